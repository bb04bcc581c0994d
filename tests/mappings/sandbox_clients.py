"""The test connection pointed at the running sandbox: the pages build their real clients from
its settings, as they do in production."""

from connection.documents import apply_document, sandbox_document


def connect_to_sandbox(connection, sandbox) -> None:
    apply_document(sandbox_document(sandbox.credentials, connection.name))
    connection.refresh_from_db()
