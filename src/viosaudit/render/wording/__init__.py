"""The reports' words, in one place: status words (``words``), the sentences of each proposed change
(``change``) and of page 1 (``page1``), built from the plan's data. Templates hold the rest.

Page 1 speaks to management: no jargon beyond "server", "I/O server" and "virtual machine".
"""

from viosaudit.render.wording.change import (
    change_title,
    fix_text,
    not_running,
    risk_of_doing,
    risk_of_not_doing,
    step_note,
    target_name,
    upgrade_text,
    window,
)
from viosaudit.render.wording.page1 import accepted_lines, headline, meaning, recommendations
from viosaudit.render.wording.words import (
    GAPS_NOTE,
    WORDS,
    acceptance_text,
    client_io,
    expired_text,
    finding_status,
    vios_data,
    words,
)

__all__ = [
    "GAPS_NOTE",
    "WORDS",
    "acceptance_text",
    "accepted_lines",
    "change_title",
    "client_io",
    "expired_text",
    "finding_status",
    "fix_text",
    "headline",
    "meaning",
    "not_running",
    "recommendations",
    "risk_of_doing",
    "risk_of_not_doing",
    "step_note",
    "target_name",
    "upgrade_text",
    "vios_data",
    "window",
    "words",
]
