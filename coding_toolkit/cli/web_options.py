"""Options every toolkit server shares (``serve`` and ``review serve``): one spelling, one policy."""
from __future__ import annotations

import click


def server_options(default_port: int):
    def wrap(func):
        func = click.option("--insecure-no-auth", is_flag=True,
                            help="Allow a non-loopback --host without a token (only behind another "
                                 "authenticating layer).")(func)
        func = click.option("--token-file", default=None, type=click.Path(dir_okay=False), metavar="FILE",
                            help="File holding the bearer token every request must send "
                                 "(required for a non-loopback --host).")(func)
        func = click.option("--port", default=default_port, show_default=True, type=click.IntRange(0, 65535))(func)
        func = click.option("--host", default="127.0.0.1", show_default=True,
                            help="Address to bind; anything but loopback needs --token-file.")(func)
        return func
    return wrap


def checked_server_settings(host: str, token_file: str | None, insecure_no_auth: bool) -> dict:
    """Apply the bind policy and read the token once here, so a bad token file fails before binding."""
    import os

    from coding_toolkit.web.security import check_bind, read_token
    from coding_toolkit.web.server import require_stack

    require_stack()
    check_bind(host, token_file, insecure_no_auth)
    if token_file:
        read_token(token_file)
        token_file = os.path.abspath(token_file)
    return {"host": host, "token_file": token_file}
