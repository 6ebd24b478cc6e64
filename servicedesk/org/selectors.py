from servicedesk.org.models import OrgUnit


def unit_subtree_ids(unit_id: int | None) -> list[int]:
    """The unit and every unit below it (a dispatcher of a department sees its teams' queues)."""
    if unit_id is None:
        return []
    found = [unit_id]
    frontier = [unit_id]
    while frontier:
        frontier = list(OrgUnit.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
        frontier = [u for u in frontier if u not in found]
        found.extend(frontier)
    return found
