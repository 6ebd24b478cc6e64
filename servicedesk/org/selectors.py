from collections.abc import Iterable

from servicedesk.org.models import OrgUnit, Provider


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


def unit_names(unit_ids: Iterable[int]) -> dict[int, str]:
    """Each unit's name in the reader's language, by id (for history rows that keep ids)."""
    ids = set(unit_ids)
    return {unit.pk: unit.display_name for unit in OrgUnit.objects.filter(pk__in=ids)} if ids else {}


def provider_names(codes: Iterable[str]) -> dict[str, str]:
    """Each provider's name in the reader's language, by code."""
    wanted = set(codes)
    return ({provider.code: provider.display_name for provider in Provider.objects.filter(code__in=wanted)}
            if wanted else {})
