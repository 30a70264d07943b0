"""Change-record drafts: each proposed change as a ticket the site's change tool can take.

``draft`` makes the typed ``ChangeRecord`` from the report's change row; ``servicenow`` writes it as a
``change_request`` (Table API JSON, import-set CSV), ``markdown`` as text for Jira, Remedy or e-mail.
"""

from viosaudit.records.draft import ChangeRecord, draft
from viosaudit.records.markdown import to_markdown
from viosaudit.records.servicenow import check, table_api, to_csv, to_json

__all__ = ["ChangeRecord", "check", "draft", "table_api", "to_csv", "to_json", "to_markdown"]
