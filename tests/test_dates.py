"""Due dates as the minutes state them, from the development minutes and their answers."""

from __future__ import annotations

from datetime import date

import pytest

from bot.minutes.dates import find_due, find_events, find_next_meeting, parse_date, parse_when

# Per minutes file: the meeting date and the lines (verbatim) that state other dates.
MINUTES: dict[str, tuple[date | None, str]] = {
    "00": (date(2024, 12, 18), "* The next meeting was scheduled for January 8th.\n"),
    "01": (date(2024, 12, 11), "- No call on 2024-12-25. Next call: 2025-01-08.\n"),
    "02": (
        date(2025, 2, 18),
        (
            "**Date:** Tuesday, 18 February 2025\n"
            "- [x] Write the postmortem for the 6 Feb backfill outage (@fzbenali)\n"
            "- **Warehouse** — Dmitri: key rotation finished. The old keys expire on their own on"
            " 2025-02-28.\n"
            "- Lena is out from 24 Feb to 3 Mar; Dmitri covers CDC on-call.\n\n"
            "Next sync: Tuesday, 25 February 2025.\n"
        ),
    ),
    "03": (date(2025, 5, 14), "---\ndate: 2025-05-14\nnext_meeting: 2025-05-28\n---\n"),
    "04": (date(2024, 11, 7), "On 4 November the TLS certificate expired at 09:12 UTC.\n"),
    "05": (
        date(2025, 4, 3),
        (
            "- Release date stays 2025-04-24.\n"
            "- Hyun-woo will cut `release/0.14` on 2025-04-10 and post the RC announcement.\n\n"
            "## Next sync\n\nThursday 17 April, same time. Amara will chair; Søren takes notes.\n"
        ),
    ),
    "06": (
        date(2025, 1, 15),
        (
            "- Anaïs published the style guide v1 on 10 January.\n\n"
            "Yosef reminded everyone that the docs freeze for 3.2 is on 2025-02-07.\n\n"
            "| Style guide v1 | Anaïs | done | published 2025-01-10 |\n\n"
            "Next meeting: 29 Jan 2025.\n"
        ),
    ),
    "07": (
        date(2025, 3, 5),
        (
            "Target: 2.3.0-rc.1 on 2025-03-12, final on 2025-03-26.\n\n"
            "Next triage: 2025-03-12, right before tagging the RC.\n"
        ),
    ),
    "10": (
        date(2025, 1, 8),
        (
            "- Jürgen split the SMP series as agreed; the per-CPU data part is now PR 437 and was"
            " merged on\n  2024-12-20 after Cláudio's review.\n"
            "- The 0.9 feature freeze is set for 2025-02-14.\n"
            "- Zoë was asked to present the syscall generator at the community meetup on 2025-02-13.\n\n"
            "Next call: 2025-01-22.\n"
        ),
    ),
    "11": (None, "Next retro: end of Sprint 43.\n"),
    "12": (
        date(2024, 12, 3),
        (
            "Absent: Oona Kivelä (on leave until 6 January)\n"
            "  - Yasmin agreed to have the download manager feature-complete by 2025-01-15.\n"
            "1. Oona is back only on 6 January; offline regions on iOS depends on her storage work.\n"
            "- No new features merge to `release/4.8` after 2024-12-13; fixes only.\n\n"
            "Next check-in: 2024-12-17, 30 minutes.\n"
        ),
    ),
    "13": (date(2025, 6, 2), "### Mon 2 June 2025\n"),
    "14": (
        date(2025, 11, 19),
        (
            "* 1.9 target: end of February. Ngozi will publish the release schedule.\n\n"
            "Next call: 3 December 2025.\n"
        ),
    ),
}
MINUTES["08"] = MINUTES["07"]

# (file, line, the item's sentence or clause as the extractor passes it, due date)
# fmt: off
GOLD_ITEMS = [
    ("00", 11, "Joerg Roedel reminded everyone to test the new branches of the Linux kernel and QEMU repositories.", None),
    ("00", 13, "Peter Fang was asked to check and resubmit any changes that might have been accidentally removed from the svsm-tdx branch in the Linux kernel repository.", None),
    ("00", 26, "Joerg Roedel agreed to help with reviewing and documenting unsafe blocks, particularly in the memory allocator, in January.", "2025-01-31"),
    ("00", 41, "Joerg Roedel agreed to investigate the external crate and compare it with the existing implementation.", None),
    ("00", 47, "Jon Lange offered to assist in convincing the relevant stakeholders.", None),
    ("00", 54, "Adam Dunlap agreed to explore this approach and potentially submit a PR.", None),
    ("00", 63, "Vijay Dhanraj reminded Joerg Roedel about the user space support PR and requested a review. Joerg Roedel confirmed that it is on his list of things to review before the holidays.", "2024-12-24"),
    ("01", 22, "Jürgen agreed to split the SMP series so the per-CPU data rework can land on its own.", None),
    ("01", 23, "Mirela offered to help Jürgen write IPI stress tests, since she wrote the original interrupt test harness.", None),
    ("01", 25, "Cláudio confirmed it is on his list to review the per-CPU data PR before the holidays.", "2024-12-24"),
    ("01", 35, "Tobias reminded Cláudio about the user-space support PR and requested a review. Cláudio said he would get to it in January.", "2025-01-31"),
    ("01", 37, "Zoë will write up the MPU region-switching design as a GitHub discussion before anyone starts coding it.", None),
    ("01", 42, "The QEMU RISC-V job failed on 4 of the last 10 runs on main. Tobias was asked to quarantine the two timer tests that cause most of the failures (#419, #421).", None),
    ("01", 45, "Raising the minimum CMake version to 3.24 was discussed. Jürgen will open an issue to collect objections from downstream packagers.", None),
    ("01", 48, "Sunniva will check with her lab manager whether the boards can stay powered over the break.", None),
    ("01", 53, "0.9 is still targeted for Q1. Cláudio will draft the release checklist in January, reusing the 0.8 one.", "2025-01-31"),
    ("01", 55, "Sunniva asked whether Nordlys could test release candidates early. Tobias will add her to the release-testers team on GitHub.", None),
    ("01", 63, "Zoë to post these notes to the mailing list by Friday.", "2024-12-13"),
    ("01", 65, "Everyone is asked to add agenda items to the wiki page before the next call.", "2025-01-08"),
    ("02", 41, "@omcallister: migrate the events_raw DAG to the new scheduler (branch omc/events-raw-scheduler) by Friday", "2025-02-21"),
    ("02", 42, "@npuig and @omcallister: inventory the finance team's ad-hoc DAGs on Airflow 1 by end of February", "2025-02-28"),
    ("02", 43, "@fzbenali: add a row-count check between staging and prod for backfills (follow-up 1 of #1187), cc @praman", None),
    ("02", 44, "Fatima + Priya: draft alert thresholds for the freshness SLO (follow-up 2 of #1187), next week", "2025-02-28"),
    ("02", 45, "@dkoval: write a one-page proposal on the default compatibility mode, by 2025-03-01", "2025-03-01"),
    ("02", 46, "Hand over the CDC on-call notes to Dmitri before the leave starts — Lena", "2025-02-24"),
    ("02", 49, "All: review PR 2291 (dbt 1.8 upgrade) and leave comments", None),
    ("02", 50, "Kwame — confirm the renewal date of the warehouse vendor contract", None),
    ("03", 33, "AI: Sam to land the fix for #655 on release-0.7 before the next call.", "2025-05-28"),
    ("03", 34, "AI: Bjørn + Mei-Ling to review https://github.com/ferrule-dev/ferrule/pull/642 by Friday.", "2025-05-16"),
    ("03", 36, "Chloé volunteered to draft the release notes once both blockers are merged.", None),
    ("03", 44, "Łukasz will update the design doc", None),
    ("03", 44, "open the implementation PR from feat/conversion-webhook.", None),
    ("03", 45, "Sam asked that the upgrade note include a kubectl one-liner for finding affected objects. Łukasz agreed.", None),
    ("03", 54, "Ifeoma will bisect between the two node images and post what she finds on #661.", None),
    ("03", 63, "Dario offered to prototype a PgCat backend himself and share it as a draft PR.", None),
    ("04", 42, "ACTION: Dana to ask the vendor whether the rate limit can be raised for incident updates.", None),
    ("04", 44, "ACTION: Arjun and Teodora to audit all service-account policies migrated in October, by Friday.", "2024-11-08"),
    ("04", 51, "2024-11-15", "2024-11-15"),
    ("04", 52, "end of November", "2024-11-30"),
    ("04", 53, "", None),
    ("04", 54, "", None),
    ("04", 55, "next Wednesday", "2024-11-13"),
    ("04", 58, "Kofi will present this review at the engineering all-hands before the holidays.", "2024-12-24"),
    ("05", 11, "TODO(amara): stop hashing doc comments into the item fingerprint.", None),
    ("05", 12, "TODO(søren): review Amara's query cache PR once the doc-comment fix is in.", None),
    ("05", 19, "Matteo will port the suggestion engine to the language server", None),
    ("05", 19, "Elif will write snapshot tests for it.", None),
    ("05", 20, "Zoë asked for the error codes to be documented on the website; Elif agreed, but only after 0.14 ships.", None),
    ("05", 26, "Hyun-woo will cut release/0.14 on 2025-04-10", "2025-04-10"),
    ("05", 26, "Hyun-woo will cut release/0.14 on 2025-04-10 and post the RC announcement on the forum the same day.", "2025-04-10"),
    ("05", 28, "#2198 — borrow checker crashes on nested closures. TODO(matteo, amara): pair on this next week.", "2025-04-11"),
    ("05", 29, "vireo-lang/vireo-std#311 — fs::walk follows symlinks on Windows. TODO(elif)", None),
    ("05", 31, "TODO(hyunwoo): backport PR 2212 to release/0.14 after the branch is cut.", None),
    ("05", 38, "TODO: find out why the nightly docs deploy takes 40 minutes.", None),
    ("06", 15, "Thandiwe asked Greta to loop her in early because the screenshots will need to match.", None),
    ("06", 34, "end of January", "2025-01-31"),
    ("06", 35, "Q1", "2025-03-31"),
    ("06", 36, "next week", "2025-01-24"),
    ("06", 38, "before next meeting", "2025-01-29"),
    ("06", 40, "by the docs freeze", "2025-02-07"),
    ("07", 36, "@ravic: fix the incremental rebuild regression (#1502) by Friday", "2025-03-07"),
    ("07", 37, "@omelnyk: second review of PR #1511 after the rebase", None),
    ("07", 38, "@techeverria: add a migration note for the permalink change to the upgrade guide", None),
    ("07", 39, "@techeverria: ask the theme maintainers to test the theme-api-v3 branch against main", None),
    ("07", 40, "@zwhitlock: draft the 2.3 release notes, next week", "2025-03-14"),
    ("07", 41, "@ravic @omelnyk: decide on the Go 1.24 minimum before the RC", "2025-03-12"),
    ("07", 42, "All: try main on your own sites before the RC and report regressions on the milestone", "2025-03-12"),
    ("08", 38, "@ravic: fix the partial-cache bug behind the incremental rebuild regression (#1502) by Friday", "2025-03-07"),
    ("08", 39, "@omelnyk: second review of PR #1511 after the rebase", None),
    ("08", 40, "@techeverria: add a migration note for the permalink change to the upgrade guide", None),
    ("08", 41, "@techeverria: ask the theme maintainers to test the theme-api-v3 branch against main", None),
    ("08", 42, "@zwhitlock: draft the 2.3 release notes, next week", "2025-03-14"),
    ("08", 43, "All: try main on your own sites before the RC and report regressions on the milestone", "2025-03-12"),
    ("08", 44, "@pnowak: tag 2.3.0-rc.1 on 2025-03-12", "2025-03-12"),
    ("10", 15, "Cláudio has not reviewed the user-space support PR yet; it is still on his list for January.", "2025-01-31"),
    ("10", 16, "Tobias will switch the nightly hardware-in-the-loop job over to that rack in two weeks, after the new runner image is ready.", "2025-01-22"),
    ("10", 22, "Anaïs offered to help test the RISC-V PMP patches on her HiFive board.", None),
    ("10", 26, "Mirela reminded Jürgen and Cláudio about her draft PR for the interrupt remapping table and requested a review from both before the 0.9 freeze.", "2025-02-14"),
    ("10", 30, "He will open a PR from that branch this week.", "2025-01-10"),
    ("10", 36, "He will clean up the patches and post them as a PR by the end of the month.", "2025-01-31"),
    ("10", 44, "Jürgen will go ahead with the bump at the end of the month if nobody else objects.", "2025-01-31"),
    ("10", 47, "Tobias asked Mirela and Zoë to split the review by architecture.", None),
    ("10", 51, "Zoë was asked to present the syscall generator at the community meetup on 2025-02-13.", "2025-02-13"),
    ("10", 53, "Everyone: please try the v0.9.0-rc1 tag on your boards before the next call and report problems on the release tracking issue (tidepool-rtos/tidepool#445).", "2025-01-22"),
    ("11", 29, "Olumide will pull the usage numbers so we can decide next retro.", None),
    ("11", 33, "ACTION: Pin the Gradle plugin version for the shared module in the version catalog (Owner: Olumide)", None),
    ("11", 34, "ACTION: Set up a Crashlytics alert when crash-free sessions drop below 99.5% (Owner: Chiara) — by Friday", None),
    ("11", 35, "ACTION: Add the privacy manifest check to the release checklist (Owner: Beatriz, Ethan)", None),
    ("11", 36, "ACTION: Write down the App Store review buffer in the release calendar — two working days (Owner: Kenji)", None),
    ("11", 37, "ACTION: Review the open PRs older than three days before planning — everyone", None),
    ("11", 39, "ACTION: Submit the 6.5 build for App Store review by 2025-08-15 (Owner: Ethan)", "2025-08-15"),
    ("12", 43, "end of February", "2025-02-28"),
    ("12", 44, "Q1", "2025-03-31"),
    ("12", 45, "Q1", "2025-03-31"),
    ("12", 47, "Q1", "2025-03-31"),
    ("12", 68, "@cinderford/sdk-android will do a bug bash on the branch before the end of January.", "2025-01-31"),
    ("12", 78, "Ryo was asked to split his background-location PR into the location provider and the prompt UI once the decision is in.", None),
    ("12", 80, "Ryo will fix the ones in the public API; the rest can wait.", None),
    ("12", 91, "Adaeze and Declan will agree on a migration date with the infrastructure team.", None),
    ("12", 106, "The sample app repo needs the 5.0 rename too; Felipe will handle that after the codemod is published.", None),
    ("12", 117, "Mitigation for (1): Ryo will sync with Oona on her first day back and re-plan if needed.", "2025-01-06"),
    ("12", 129, "@haalto — review the Android surface-lifecycle PR (#1988) — tomorrow", "2024-12-04"),
    ("12", 130, "@icardoso — get the privacy team's decision on the background location prompt — by Friday", "2024-12-06"),
    ("12", 131, "@yfarouk — download manager feature-complete on feat/offline-regions-v2 — 2025-01-15", "2025-01-15"),
    ("12", 132, "@fandrade — forum announcement for the min SDK change — before the holidays", "2024-12-24"),
    ("12", 133, "@aeze — edge cache experiment in ap-southeast, results — in January", "2025-01-31"),
    ("12", 134, "@zkerekes — P1 triage pass, close duplicates — next week", "2024-12-13"),
    ("12", 135, "@dmurphy-cf — order replacement Pixel 6 devices", None),
    ("12", 138, "@haalto — publish the 5.0 codemod — January", "2025-01-31"),
    ("12", 138, "@fandrade — blog post on the migration once the codemod is out", None),
    ("12", 139, "Everyone — add your area's risks to the planning doc before the next check-in", "2024-12-17"),
    ("13", 20, "renew the wildcard certificate for the staging domain by Friday", "2025-06-06"),
    ("13", 21, "close out #798 once the new runbook is merged", None),
    ("13", 23, "move the vacuum job to 03:00 UTC so it stops overlapping with the backup window — tomorrow", "2025-06-03"),
    ("13", 24, "revert the threshold change from #812 after that", None),
    ("13", 26, "write a short postmortem for the subnet exhaustion (no blame, just the numbers)", None),
    ("13", 29, "Terraform upgrade to 1.9: plan is clean on infra/tf-1.9-upgrade; apply to staging next week", "2025-06-13"),
    ("13", 29, "prod in two weeks", "2025-06-16"),
    ("13", 35, "Marek will send the policy draft to the infra list", None),
    ("13", 35, "everyone should comment by end of the month.", "2025-06-30"),
    ("13", 40, "Aoife: \"I'll chase the DNS provider about the TTL issue, it's been a month.\"", None),
    ("13", 45, "AI: Gaurav — hand over the pager notes to Valentina today (EOD).", "2025-06-02"),
    ("13", 46, "AI: everyone — check that your runbooks in the runbooks repo still point at the right dashboards.", None),
    ("14", 10, "Jonas will raise it with the other upstream maintainers, no promises.", None),
    ("14", 34, "Leilani will check the PyPI download stats first.", None),
    ("14", 56, "Ngozi: prototype the libkettle 3 compatibility layer on compat/libkettle3 — in January", "2026-01-31"),
    ("14", 57, "Camille: add a lock to the dictionary cache in #604", None),
    ("14", 58, "Bartosz: review the free-threading PR — before the holidays", "2025-12-24"),
    ("14", 59, "Emre: open the musllinux aarch64 wheels PR", None),
    ("14", 60, "Ngozi: release schedule for 1.9 on pykettle/pykettle#590 — by the next call", "2025-12-03"),
    ("14", 61, "All: test 1.9 pre-releases against your downstream projects in Q1", "2026-03-31"),
]
# fmt: on


def _due_in_minutes(file: str, text: str, *, joined: bool = False) -> date | None:
    meeting, context = MINUTES[file]
    if joined:
        context = " ".join(context.split())
    return find_due(
        text,
        meeting,
        next_meeting=find_next_meeting(context, meeting),
        events=find_events(context, meeting),
    )


@pytest.mark.parametrize("joined", [False, True], ids=["lines", "joined"])
@pytest.mark.parametrize(("file", "line", "text", "due"), GOLD_ITEMS)
def test_finds_the_due_date_of_every_development_item(
    file: str, line: int, text: str, due: str | None, joined: bool
) -> None:
    expected = date.fromisoformat(due) if due else None
    assert _due_in_minutes(file, text, joined=joined) == expected


# Sentences in the same minutes that are not deadlines of the meeting's items.
@pytest.mark.parametrize(
    ("file", "text", "due"),
    [
        ("02", "Write the postmortem for the 6 Feb backfill outage", None),
        ("02", "re-run the 6 Feb backfill", None),
        ("12", "Each area lead triages their own remaining P1s in the January bug meeting.", None),
        ("12", "Adaeze will run a two-week experiment with a larger edge cache", None),
        ("12", "The privacy team may require a legal review for background location.", None),
        ("11", "Too many PRs sat unreviewed for more than three days.", None),
        ("03", "Sam will chair the next meeting.", None),
        ("13", "Tuomas mentioned that he is off on Thursday and Friday.", date(2025, 6, 5)),
        ("14", "libkettle 3.0 is planned for late January.", date(2026, 1, 31)),
        ("14", "Camille is busy with free-threading until December.", date(2025, 12, 31)),
        ("01", "post the notes ASAP", None),
        ("05", "Elif agreed, but only after 0.14 ships.", None),
        ("02", "rotate the keys before the release", None),
        ("07", "report back before the 2.4 planning", None),
    ],
)
def test_resolves_other_dated_sentences_without_confusion(
    file: str, text: str, due: date | None
) -> None:
    assert _due_in_minutes(file, text) == due


WEDNESDAY = date(2024, 12, 18)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("by end of week", date(2024, 12, 20)),
        ("EOW", date(2024, 12, 20)),
        ("by the end of next week", date(2024, 12, 27)),
        ("next Monday", date(2024, 12, 23)),
        ("next Wednesday", date(2024, 12, 25)),
        ("Friday next week", date(2024, 12, 27)),
        ("by the 15th", date(2025, 1, 15)),
        ("by the 18th", date(2024, 12, 18)),
        ("within a week", date(2024, 12, 25)),
        ("comment within the one-week deadline", date(2024, 12, 25)),
        ("within a two-week window", date(2025, 1, 1)),
        ("in 3 days", date(2024, 12, 21)),
        ("within two working days", date(2024, 12, 20)),
        ("in a month", date(2025, 1, 18)),
        ("early January", date(2025, 1, 10)),
        ("mid-February", date(2025, 2, 15)),
        ("by the middle of February", date(2025, 2, 15)),
        ("late March", date(2025, 3, 31)),
        ("by the start of March", date(2025, 3, 1)),
        ("before February", date(2025, 1, 31)),
        ("in December", date(2024, 12, 31)),
        ("in November", date(2025, 11, 30)),
        ("end of January 2026", date(2026, 1, 31)),
        ("15 Jan", date(2025, 1, 15)),
        ("Dec 18th", date(2024, 12, 18)),
        ("Dec 17", date(2025, 12, 17)),
        ("on 3 March 2025", date(2025, 3, 3)),
        ("Q4", date(2024, 12, 31)),
        ("Q3", date(2025, 9, 30)),
        ("Q2 2026", date(2026, 6, 30)),
        ("this quarter", date(2024, 12, 31)),
        ("next quarter", date(2025, 3, 31)),
        ("next month", date(2025, 1, 31)),
        ("by end of year", date(2024, 12, 31)),
        ("before Christmas", date(2024, 12, 24)),
        ("the day after tomorrow", date(2024, 12, 20)),
        ("before the next meeting", None),
        ("by the release", None),
        ("after the release", None),
        ("once CI is green", None),
        ("ASAP", None),
        ("", None),
        ("May we merge it?", None),
        ("in 2 weeks, not later than Friday", date(2024, 12, 20)),
        ("apply to staging next week, prod in two weeks", date(2024, 12, 27)),
        (
            "0.9 is still targeted for Q1. Claudio will draft the checklist in January.",
            date(2025, 1, 31),
        ),
        ("merged on 2024-12-10; Ana will follow up in January", date(2025, 1, 31)),
        ("merged on 2024-12-10", date(2024, 12, 10)),
        ("by EOD Friday", date(2024, 12, 20)),
        ("EOD tomorrow", date(2024, 12, 19)),
        ("by COB 20 Dec", date(2024, 12, 20)),
        ("Jane will present at the 2025-01-15 meeting", date(2025, 1, 15)),
        ("write up the 10 Dec outage", None),
        ("within 48 hours", date(2024, 12, 20)),
        ("by 31.12.2024", date(2024, 12, 31)),
        ("by 1/15", None),
        ("The release is on Friday; Ivan will prep the notes by Thursday", date(2024, 12, 19)),
        ("in the next two weeks", date(2025, 1, 1)),
        ("within a couple of weeks", date(2025, 1, 1)),
        ("two weeks from now", date(2025, 1, 1)),
        ("draft the Q1 roadmap", None),
        ("draft the Q1 roadmap by Friday", date(2024, 12, 20)),
        ("fix the May release regression", None),
        ("update the March 2025 report", None),
    ],
)
def test_resolves_phrases_against_a_wednesday_meeting(text: str, due: date | None) -> None:
    assert find_due(text, WEDNESDAY) == due


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("by 2025-03-01", date(2025, 3, 1)),
        ("by 15 Jan", None),
        ("by Friday", None),
        ("in January", None),
        ("tomorrow", None),
        ("next week", None),
        ("Q1", None),
    ],
)
def test_resolves_only_explicit_dates_without_a_meeting_date(text: str, due: date | None) -> None:
    assert find_due(text, None) == due


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("tomorrow", date(2024, 12, 19)),
        ("friday", date(2024, 12, 20)),
        ("Friday", date(2024, 12, 20)),
        ("next friday", date(2024, 12, 20)),
        ("next week", date(2024, 12, 27)),
        ("2025-03-01", date(2025, 3, 1)),
        ("in 3 days", date(2024, 12, 21)),
        ("end of month", date(2024, 12, 31)),
        ("end of january", date(2025, 1, 31)),
        ("march 3", date(2025, 3, 3)),
        ("today", date(2024, 12, 18)),
        ("q1", date(2025, 3, 31)),
        ("in 2 months", date(2025, 2, 18)),
        ("garbage", None),
        ("3", None),
        ("2025", None),
        ("1/15", date(2025, 1, 15)),
        ("", None),
        ("asap", None),
        ("when it is done", None),
    ],
)
def test_parses_a_phrase_typed_in_a_comment(phrase: str, due: date | None) -> None:
    assert parse_when(phrase, WEDNESDAY) == due


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("# Meeting Minutes: SVSM Development Call (December 18th, 2024)", date(2024, 12, 18)),
        ("# Tidepool RTOS development call — 2024-12-11", date(2024, 12, 11)),
        ("**Date:** Tuesday, 18 February 2025", date(2025, 2, 18)),
        ("date: 2025-05-14", date(2025, 5, 14)),
        ("_Review held on 7 November 2024, 15:00–16:00 CET. Blameless format._", date(2024, 11, 7)),
        ("# Vireo toolchain sync — 3 April 2025", date(2025, 4, 3)),
        ("## Marram docs working group — 15 Jan 2025", date(2025, 1, 15)),
        ("Date: 2025-03-05", date(2025, 3, 5)),
        ("Meeting of 22 October 2024 (video call)", date(2024, 10, 22)),
        ("# Tidepool RTOS development call — 2025-01-08", date(2025, 1, 8)),
        ('Tuesday 3 December 2024, 13:00–15:30, room "Fjord" + video', date(2024, 12, 3)),
        ("### Mon 2 June 2025", date(2025, 6, 2)),
        ("# pykettle community call, 19 November 2025", date(2025, 11, 19)),
        ("# Orbit app — Sprint 42 retrospective", None),
        ("# Cinderford Maps — Platform & SDK group: Q1 2025 planning", None),
        ("# Data Platform weekly sync", None),
        ("# ferrule community meeting", None),
        ("Tidepool RTOS development call — January 8th", None),
    ],
)
def test_reads_the_date_of_a_title_or_date_line(text: str, day: date | None) -> None:
    assert parse_date(text) == day


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("00", date(2025, 1, 8)),
        ("01", date(2025, 1, 8)),
        ("02", date(2025, 2, 25)),
        ("03", date(2025, 5, 28)),
        ("04", None),
        ("05", date(2025, 4, 17)),
        ("06", date(2025, 1, 29)),
        ("07", date(2025, 3, 12)),
        ("10", date(2025, 1, 22)),
        ("11", None),
        ("12", date(2024, 12, 17)),
        ("14", date(2025, 12, 3)),
    ],
)
def test_finds_the_next_meeting_the_minutes_state(file: str, expected: date | None) -> None:
    meeting, context = MINUTES[file]
    assert find_next_meeting(context, meeting) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sam will chair the next meeting.\n\n## 2. Conversion webhook\n", None),
        ("Next meeting: in two weeks.", date(2025, 1, 1)),
        ("We meet again next week. The next call is on 8 January.", date(2025, 1, 8)),
        ("Next steps: ship it by 2025-01-10.", None),
        ("Add risks before the next check-in\n\nNext check-in: 2024-12-20.", date(2024, 12, 20)),
        ("Add risks before the next check-in Next check-in: 2024-12-20.", date(2024, 12, 20)),
        ("- Zoë posts the notes by the next call\n- Release 2025-02-01", None),
        ("## Next sync\n\nThursday 9 January, same time.", date(2025, 1, 9)),
        ("## Next sync Thursday 9 January, same time.", date(2025, 1, 9)),
    ],
)
def test_finds_the_next_meeting_in_other_wordings(text: str, expected: date | None) -> None:
    assert find_next_meeting(text, WEDNESDAY) == expected


@pytest.mark.parametrize(
    ("text", "phrase", "due"),
    [
        ("The docs freeze on 24 January.", "before the freeze", date(2025, 1, 24)),
        ("Release date stays 2025-04-24.", "by the release", date(2025, 4, 24)),
        ("Lena is out from 24 Feb to 3 Mar.", "before the leave starts", date(2025, 2, 24)),
        ("Lena is out from 24 Feb to 3 Mar.", "once Lena is back", None),
        ("Lena is out from 24 Feb to 3 Mar.", "before Lena is back", date(2025, 3, 3)),
        (
            "Target: 2.3.0-rc.1 on 2025-03-12, final on 2025-03-26.",
            "before the final",
            date(2025, 3, 26),
        ),
        ("The 0.9 feature freeze is set for 2025-02-14.", "before the 0.9 release", None),
        ("Anaïs published the style guide v1 on 10 December.", "by the style guide", None),
        ("No call on 2024-12-25. Next call: 2025-01-08.", "before the call", date(2025, 1, 8)),
        # "on" and "at" name an event only when it follows at once.
        ("The summit is on 2025-03-12.", "present it at the summit", date(2025, 3, 12)),
        ("CFP deadline: 7 February.", "work on getting a CFP out soon", None),
    ],
)
def test_resolves_deadlines_tied_to_dated_events(text: str, phrase: str, due: date | None) -> None:
    events = find_events(text, WEDNESDAY)
    assert find_due(phrase, WEDNESDAY, events=events) == due
