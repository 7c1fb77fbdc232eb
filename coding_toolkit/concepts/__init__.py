"""MedCAT concept models: build a pack from a SNOMED CT release, load it, annotate, train, evaluate.

The only package that imports medcat (always after ``coding_toolkit.offline``)::

    build.py     build_pack(entries, out_dir, ...), build_pack_from_release(release_dir, out_dir, ...)
    model.py     ConceptModel: what the pipeline needs from a concept linker (Pack is one)
    pack.py      load_pack(path) -> Pack (hash checked before unpickling), Pack.annotate(text)
    pack_files.py  a pack folder's layout, pack.json and content hash (shared by build and pack)
    medcat_compat.py  every use of MedCAT internals, the versions checked, the guards (warn once)
    dict_ner.py, lazy_context.py  faster equivalents of MedCAT's NER walk and context vectors
    vocab.py     word vectors from the trust's notes (gensim word2vec) -> medcat Vocab
    train.py     train_unsupervised (resumable), train_supervised (rejected annotations never positives)
    export.py    parse and validate MedCATtrainer exports
    evaluate.py  precision/recall/F1 per concept and at ICD-10/OPCS-4 code level
"""
