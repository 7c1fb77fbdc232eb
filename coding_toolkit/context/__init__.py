"""Meta-annotation filter: rule-based ConText, MetaCAT outputs, and the keep/filter policy."""
from coding_toolkit.context.classifier import ContextClassifier
from coding_toolkit.context.rules import ContextRule, RuleSet, load_rules
from coding_toolkit.context.stage import ContextStage

__all__ = ["ContextClassifier", "ContextRule", "ContextStage", "RuleSet", "load_rules"]
