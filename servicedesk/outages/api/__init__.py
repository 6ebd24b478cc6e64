"""The outage REST API, one module per resource: ``fault_calls``, ``outages``, ``planned``
(the network's devices: ``servicedesk.network.api``). Each endpoint parses, checks the role,
fetches through a selector, calls one service and renders, like tickets/api.py."""
