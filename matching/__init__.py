"""Partner suggestions and coalitions over an in-memory index of the graph.

Pure functions: nothing here imports a store or strawberry.
"""

from matching.coalition import Coalition, CoalitionMember, Requirement, suggest_coalition
from matching.index import MatchIndex, build_index, build_index_sync
from matching.suggest import Draft, Reason, Role, ScoreParts, Suggestion, suggest_partners

__all__ = [
    "Coalition",
    "CoalitionMember",
    "Draft",
    "MatchIndex",
    "Reason",
    "Requirement",
    "Role",
    "ScoreParts",
    "Suggestion",
    "build_index",
    "build_index_sync",
    "suggest_coalition",
    "suggest_partners",
]
