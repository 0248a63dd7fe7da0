"""The stages one at a time, for the scripts that measure or prepare one of them.

`newsbrief` itself names what a caller needs to run a batch. A benchmark needs more: the
translator without the batch around it, the summariser's packing, a backend alone, the figure
comparison. Those names are gathered here, by stage, so that a script depends on one module whose
names stay put when the rooms behind it are rearranged, and a reader sees at a glance which parts
of the house the scripts exercise. Nothing in the package imports this module.
"""

from newsbrief.article import Article, SegmentedArticle
from newsbrief.cli.reference import BEGIN as OPTIONS_BEGIN
from newsbrief.cli.reference import END as OPTIONS_END
from newsbrief.cli.reference import options_reference
from newsbrief.errors import ModelUnavailable
from newsbrief.fidelity.glossary import Glossary, load_glossary, term_regex
from newsbrief.fidelity.guard import GuardPolicy, guard_translation
from newsbrief.fidelity.output_checks import OutputChecks
from newsbrief.fidelity.quote_meaning import QUOTE_AGREEMENT, agreement, changed_quotes, translated_quotes
from newsbrief.generation.chunk_work import ArticleWork, ChunkOptions, ChunkRun, summarise_side_by_side
from newsbrief.generation.model_pool import ModelOptions, ModelPool
from newsbrief.generation.plan import Routing
from newsbrief.generation.prompts import load_prompts
from newsbrief.generation.summaries import WINDOW_MARGIN, Seq2SeqSummariser, SummaryInput, pack_by_tokens
from newsbrief.generation.translation import Guard, Pooling, Seq2SeqTranslator, translate_jobs
from newsbrief.generation.translation_jobs import Job, JobKey, batches_by_tokens
from newsbrief.input.readers import read_article
from newsbrief.input.readers.package import Replacements
from newsbrief.input.readers.word import rewrite
from newsbrief.limits import TimeBudget
from newsbrief.models.backends import MAX_OUTPUT_RATIO, output_cap
from newsbrief.models.backends.ct2 import CTranslate2Model, converted, default_threads
from newsbrief.models.backends.ct2_summariser import CTranslate2SummaryModel
from newsbrief.models.backends.seq2seq import Seq2SeqModel
from newsbrief.models.residency import weight_bytes
from newsbrief.models.resolve import resolve_model
from newsbrief.progress import NoProgress
from newsbrief.settings import DEFAULT_SUMMARISER_MODEL, DEFAULT_TRANSLATION_MODELS, Settings
from newsbrief.text.figures import compare_figures, figures_in
from newsbrief.text.language import LanguageIdentifier
from newsbrief.text.segmenting import segment_article
from newsbrief.text.spans import figures_of, find_spans, quotes_of

__all__ = [
    "DEFAULT_SUMMARISER_MODEL",
    "DEFAULT_TRANSLATION_MODELS",
    "MAX_OUTPUT_RATIO",
    "OPTIONS_BEGIN",
    "OPTIONS_END",
    "QUOTE_AGREEMENT",
    "WINDOW_MARGIN",
    "Article",
    "ArticleWork",
    "CTranslate2Model",
    "CTranslate2SummaryModel",
    "ChunkOptions",
    "ChunkRun",
    "Glossary",
    "Guard",
    "GuardPolicy",
    "Job",
    "JobKey",
    "LanguageIdentifier",
    "ModelOptions",
    "ModelPool",
    "ModelUnavailable",
    "NoProgress",
    "OutputChecks",
    "Pooling",
    "Replacements",
    "Routing",
    "SegmentedArticle",
    "Seq2SeqModel",
    "Seq2SeqSummariser",
    "Seq2SeqTranslator",
    "Settings",
    "SummaryInput",
    "TimeBudget",
    "agreement",
    "batches_by_tokens",
    "changed_quotes",
    "compare_figures",
    "converted",
    "default_threads",
    "figures_in",
    "figures_of",
    "find_spans",
    "guard_translation",
    "load_glossary",
    "load_prompts",
    "options_reference",
    "output_cap",
    "pack_by_tokens",
    "quotes_of",
    "read_article",
    "resolve_model",
    "rewrite",
    "segment_article",
    "summarise_side_by_side",
    "term_regex",
    "translate_jobs",
    "translated_quotes",
    "weight_bytes",
]
