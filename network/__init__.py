"""What a place's bottom-up network looks like: analytics and their exports.

Apart from ``matching/`` because they are not matching: communities, brokers,
isolated initiatives and gaps of a place (``analytics``; its exact betweenness in
``betweenness``), and the downloads of
that picture as GEXF, GraphML, CSV and JSON (``exports``). Like ``matching/``
they read the in-memory index and never import a store or strawberry.
"""
