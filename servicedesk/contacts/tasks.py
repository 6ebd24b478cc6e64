"""Background jobs of the contacts app, run by ``servicedesk worker``: sending outbound messages."""

from huey.contrib.djhuey import db_task

from servicedesk.contacts.services import messages_send


@db_task()
def messages_send_task(message_ids: list[int]) -> None:
    messages_send(message_ids)
