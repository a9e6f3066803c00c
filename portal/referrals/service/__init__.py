"""Referrals: submitting and moving through the pipeline (pipeline), owners, deal values, notes and
reminders (owners), screening, the personal link (landing), and what the pages read (queries)."""

from portal.errors import NotFound
from portal.people.service import get_advocate_for_code
from portal.referrals.service.config import ReferralSettings, load_settings, save_settings
from portal.referrals.service.conversions import (
    AlreadyConverted,
    Conversion,
    UnknownReferralCode,
    record_conversion,
)
from portal.referrals.service.crm import (
    ExternalIdTaken,
    StageNameTaken,
    UnknownStage,
    access_referral_by_external_id,
    add_stage_name,
    list_referrals_after,
    list_stage_names,
    remove_stage_name,
    set_external_id,
    stage_named,
)
from portal.referrals.service.landing import access_advocate_for_code, record_click
from portal.referrals.service.owners import (
    add_note,
    assign_referral,
    remind_stale_referrals,
    set_deal_value,
)
from portal.referrals.service.pipeline import (
    CloseReasonRequired,
    DuplicateReferral,
    NotASalesRep,
    Prospect,
    SelfReferral,
    StageUnchanged,
    move_referral,
    normalize_email,
    submit_referral,
)
from portal.referrals.service.queries import (
    OPEN_STAGES,
    LinkStats,
    PipelineFilter,
    access_own_referral,
    access_referral,
    access_rep,
    link_stats,
    list_notes,
    list_own_referrals,
    list_pipeline,
    list_referrers,
    list_reps,
)
from portal.referrals.service.screening import Screening, domain_of, screen

__all__ = [
    "OPEN_STAGES",
    "AlreadyConverted",
    "CloseReasonRequired",
    "Conversion",
    "DuplicateReferral",
    "ExternalIdTaken",
    "LinkStats",
    "NotASalesRep",
    "NotFound",
    "PipelineFilter",
    "Prospect",
    "ReferralSettings",
    "Screening",
    "SelfReferral",
    "StageNameTaken",
    "StageUnchanged",
    "UnknownReferralCode",
    "UnknownStage",
    "access_advocate_for_code",
    "access_own_referral",
    "access_referral",
    "access_referral_by_external_id",
    "access_rep",
    "add_note",
    "add_stage_name",
    "assign_referral",
    "domain_of",
    "get_advocate_for_code",
    "link_stats",
    "list_notes",
    "list_own_referrals",
    "list_pipeline",
    "list_referrals_after",
    "list_referrers",
    "list_reps",
    "list_stage_names",
    "load_settings",
    "move_referral",
    "normalize_email",
    "record_click",
    "record_conversion",
    "remind_stale_referrals",
    "remove_stage_name",
    "save_settings",
    "screen",
    "set_deal_value",
    "set_external_id",
    "stage_named",
    "submit_referral",
]
