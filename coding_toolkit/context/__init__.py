"""Meta-annotation filter: rule-based ConText, MetaCAT outputs, and the keep/filter policy."""
from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import ContextRule, RuleSet, load_rules

__all__ = ["ContextClassifier", "ContextRule", "RuleSet", "load_rules"]
