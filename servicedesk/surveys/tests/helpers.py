"""Requests closed through the real services, and survey rules, for the surveys' tests."""

from servicedesk.surveys.models import SurveyRule
from servicedesk.tickets.services import request_create, request_transition


def open_request(world, *, customer="alice", request_type="consultation", **extra):
    point = world.points[customer]
    return request_create(actor=world.users["agent"], request_type=world.types[request_type],
                          service_point=point, subject=extra.pop("subject", "咨询电价"), **extra)


def resolve(world, request):
    if request.status == "new":
        request_transition(request=request, action="accept", actor=world.users["agent"])
    return request_transition(request=request, action="resolve", actor=world.users["agent"],
                              reason="已电话答复")


def close(world, request):
    if request.status != "resolved":
        resolve(world, request)
    return request_transition(request=request, action="close", actor=world.users["agent"])


def closed_request(world, **kwargs):
    return close(world, open_request(world, **kwargs))


def rule(*, request_type=None, percent=100, channel=SurveyRule.Channel.AUTO, salt="test-salt", **extra):
    return SurveyRule.objects.create(name=extra.pop("name", "回访"), request_type=request_type,
                                     sample_percent=percent, channel=channel, salt=salt, **extra)
