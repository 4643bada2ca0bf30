"""Related articles: text normalisation, identifiers, features, ranking and linking of a
change's new documents to items of other sources in the full-text index. Pure functions
over values plus reads of the index; imports the shared values only.
"""
