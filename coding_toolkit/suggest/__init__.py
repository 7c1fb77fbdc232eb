"""The suggestion stage: kept mentions -> ranked code suggestions, with every coding rule in one place.

Pure functions over records (no MedCAT, no database). One module per rule, data in
``data/coding_rules.json`` (switch a rule off from the policy file: docs/coders.md):

=========================  =================================  ==========================================
rule                       module                             what it does
=========================  =================================  ==========================================
one suggestion per code    ``merge.py``                       map defaults of kept mentions, alternatives
service names              ``service_names.py``               "Stroke Unit", "DISCHARGE SUMMARY - Stroke
                                                              Medicine" -> filtered, ``service name``
uncertain final diagnosis  ``uncertain_final.py``             "Diagnosis: probable gastritis" -> coded
procedures in the history  ``procedure_history.py``           "HPI: he had a cystoscopy, which showed"
                                                              -> filtered, ``historical``
explained symptoms         ``explained_symptoms.py``          R07.4 beside I21.9 -> ``explained by I21.9``
status codes               ``status_codes.py``                "MI 2016" -> I25.2, apixaban -> Z92.1, Z88.0
organism codes             ``organism_codes.py``              UTI + "grew E. coli" -> N39.0 + B96.2
OPCS laterality            ``laterality.py``                  "L total hip replacement" -> W39.1 + Z94.3
primary focus              ``primary_focus.py``               indication / presenting problem first,
                                                              background comorbidities last
alternatives from note     ``note_alternatives.py``           E11 established -> E11.3† over E14.3†
  ... stated in words      ``stated_context.py``              "Category 2 pressure ulcer" -> L89.1
specificity                ``specificity.py``                 E11.9 superseded by E11.3
never primary              ``never_primary.py``               asterisk, map advice, V01-Y98, OPCS Y/Z
primary from heading       ``main_heading.py``                "Discharge diagnosis:" codes rank first
ranking                    ``ranking.py``                     ``rank`` per system (CDS order), primary
episode                    ``episode.py``                     the same rules over an episode's notes
=========================  =================================  ==========================================

``review_mentions`` runs the rules that change a mention's decision (service names, uncertain final
diagnosis, explained symptoms), so the note's mentions show why; ``suggestions_for`` the rest.
Sinks only format: they follow ``CodeSuggestion.rank``; the CDS table is ``episode.cds_table``.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

from coding_toolkit.records import AnnotatedMention, CodeSuggestion
from coding_toolkit.suggest.config import CodingRules
from coding_toolkit.suggest.explained_symptoms import ConceptKnowledge, filter_explained_symptoms
from coding_toolkit.suggest.laterality import laterality_suggestions
from coding_toolkit.suggest.main_heading import mark_stated_under_heading
from coding_toolkit.suggest.merge import merge_mentions, merge_suggestions
from coding_toolkit.suggest.note_alternatives import resolve_alternatives
from coding_toolkit.suggest.organism_codes import organism_suggestions
from coding_toolkit.suggest.primary_focus import mark_focus
from coding_toolkit.suggest.procedure_history import procedures_in_history
from coding_toolkit.suggest.ranking import primary_and_others, rank, rank_key
from coding_toolkit.suggest.service_names import filter_service_names
from coding_toolkit.suggest.specificity import supersede_unspecified
from coding_toolkit.suggest.stated_context import choose_stated_alternatives
from coding_toolkit.suggest.status_codes import ex_smoker_mentions, status_suggestions
from coding_toolkit.suggest.uncertain_final import code_uncertain_final

# episode.py (episode_suggestions, cds_table) builds on apply_code_rules: import it from there
__all__ = ["CodingRules", "suggestions_for", "apply_code_rules", "filter_service_names",
           "primary_and_others", "rank", "rank_key", "merge_suggestions", "review_mentions", "ConceptKnowledge"]


def apply_code_rules(suggestions: Sequence[CodeSuggestion], rules: CodingRules | None = None, *,
                     describe: Callable[[CodeSuggestion], str] | None = None) -> tuple[CodeSuggestion, ...]:
    """Alternatives from the note, specificity, never-primary and ranking over one note's (episode's) codes."""
    rules = rules or CodingRules.load()
    describe = describe or (lambda s: s.display or s.code)
    out = resolve_alternatives(list(suggestions), rules, describe)
    out = merge_suggestions(out)  # a chosen alternative may be a code another concept already gave
    out = supersede_unspecified(out, rules)
    return rank(out, rules)


def review_mentions(text: str, mentions: Sequence[AnnotatedMention], headings: Sequence[str | None] | None,
                    rules: CodingRules | None = None, knowledge: ConceptKnowledge | None = None
                    ) -> tuple[AnnotatedMention, ...]:
    """One note's context-filtered mentions with the coding rules' decisions: service names filtered, a
    current-smoking code inside "former smoker" filtered, an uncertain final diagnosis kept, a procedure told
    in the history filtered as historical, symptoms a kept diagnosis explains filtered (each with its reason)."""
    rules = rules or CodingRules.load()
    out = filter_service_names(text, mentions, rules)
    out = ex_smoker_mentions(text, out, rules)
    out = code_uncertain_final(out, headings, rules)
    out = procedures_in_history(out, headings, rules, text)
    return filter_explained_symptoms(out, rules, knowledge)


def suggestions_for(mentions: Sequence[AnnotatedMention], rules: CodingRules | None = None,
                    headings: Sequence[str | None] | None = None, text: str | None = None
                    ) -> tuple[CodeSuggestion, ...]:
    """Ranked suggestions for one note's mentions (already through ``review_mentions``), every coding rule applied.

    ``headings[i]`` is the heading of the section holding mention i (``ContextStage.run_with_headings``);
    without them no code is ranked first for its heading. ``text`` is the note: the rules reading it
    (medication and allergy lists, sides of operations, the focus of the episode) need it; without it they
    work from the mentions alone."""
    rules = rules or CodingRules.load()

    def describe(s: CodeSuggestion) -> str:
        words = mentions[s.evidence[0]].mention.text if s.evidence else ""
        shown = s.display or s.code
        return f"'{words}' ({shown})" if words else shown

    merged = merge_mentions(mentions)
    if headings is not None:
        merged = mark_stated_under_heading(merged, mentions, headings, rules)
    given = {(s.system, s.code) for s in merged}  # a code the map already gives needs no rule to add it
    merged += [s for s in status_suggestions(text, mentions, rules) if (s.system, s.code) not in given]
    merged += organism_suggestions(text, mentions, merged, rules)  # B96.2 beside N39.0, J15.5 for J18
    # before laterality: a chosen alternative may state the side itself (bilateral salpingo-oophorectomy Q22.1)
    merged = choose_stated_alternatives(merged, mentions, text, rules)
    merged += laterality_suggestions(text, mentions, merged, rules, headings)
    merged = mark_focus(merge_suggestions(merged), mentions, headings, text, rules)
    return apply_code_rules(merged, rules, describe=describe)
