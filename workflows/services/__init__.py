"""Every change of the guided formation: templates published, runs started, links sent and opened, steps
drafted, submitted, approved and returned, and the women's organisation recorded at the end.

Each change is atomic and leaves history: a StepTransition for every status change of a step (who, when, why,
the answers as they stood) and an operation-log line for staff actions. A step names the version it read;
a write against a newer version is refused (two reviewers at once: exactly one succeeds).

One module per concern: templates, runs (start, cancel, completion), invitations (links and their sessions),
delivery (a run started with its liaison named, links sent and shown again),
steps (drafts, hand-in, review), common (errors, transitions, messages).
"""

from .common import (
    OPEN,
    StaleEntry,
    WorkflowError,
)
from .delivery import (
    NewLiaison,
    invitation_link,
    invitation_live,
    invitation_path,
    invitation_reveal,
    invitation_send,
    qr_svg,
    run_start_inviting,
)
from .invitations import (
    INVITATION_DAYS,
    INVITATION_SALT,
    SESSION_INVITATION,
    USERNAME_ALPHABET,
    contact_password_set,
    contact_username_new,
    invitation_check,
    invitation_create,
    invitation_open,
    invitation_revoke,
    invitation_token,
    invitation_url,
)
from .runs import (
    POSTS,
    run_cancel,
    run_start,
    templates_for_form,
)
from .steps import (
    _require_review,
    attachment_remove,
    attachments_add,
    draft_save,
    fill_refusal,
    step_approve,
    step_hand_in,
    step_return,
    step_submit,
)
from .templates import (
    step_move,
    template_new_version,
    template_publish,
)

__all__ = [
    "_require_review",
    "attachment_remove",
    "attachments_add",
    "contact_password_set",
    "contact_username_new",
    "draft_save",
    "fill_refusal",
    "invitation_check",
    "invitation_create",
    "invitation_link",
    "invitation_live",
    "invitation_path",
    "invitation_reveal",
    "invitation_send",
    "NewLiaison",
    "qr_svg",
    "run_start_inviting",
    "INVITATION_DAYS",
    "invitation_open",
    "invitation_revoke",
    "INVITATION_SALT",
    "invitation_token",
    "invitation_url",
    "OPEN",
    "POSTS",
    "run_cancel",
    "run_start",
    "SESSION_INVITATION",
    "StaleEntry",
    "step_approve",
    "step_hand_in",
    "step_move",
    "step_return",
    "step_submit",
    "template_new_version",
    "template_publish",
    "templates_for_form",
    "USERNAME_ALPHABET",
    "WorkflowError",
]
