"""The forms real minutes state action items in, and the look-alikes that are not items.

Each case is a small piece of minutes written for the test in the shape real minutes use
(narrative summaries, scribe logs, action lists, tables); the labelled files themselves are
scored in `test_eval.py`.
"""

from __future__ import annotations

import textwrap
from datetime import date

import pytest

from bot.minutes.extract import extract_minutes

MEETING = date(2025, 6, 11)  # a Wednesday


def found(markdown: str) -> list[tuple[tuple[str, ...], str]]:
    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)
    return [(item.owners, item.title) for item in minutes.items]


@pytest.mark.parametrize(
    ("markdown", "owners", "title"),
    [
        # Names nobody announced count: the attendee list is not a gate.
        (
            "Attendees: Dana Ruiz\n\n* Jakub expressed willingness to help and will post on the "
            "mailing list to coordinate efforts.\n* Dana thanked Jakub.\n",
            ("Jakub",),
            "Post on the mailing list to coordinate efforts",
        ),
        ("* Xin will prepare the release notes.\n", ("Xin",), "Prepare the release notes"),
        (
            "* Chris Hawk acknowledged the gap and promised to prioritize the Verus docs.\n",
            ("Chris Hawk",),
            "Prioritize the Verus docs",
        ),
        (
            "* Luigi said the PR applies cleanly, although he still needs to test for conflicts.\n",
            ("Luigi",),
            "Test for conflicts",
        ),
        (
            "* Tom Dohrmann offered assistance with the cargo and linker issues.\n",
            ("Tom Dohrmann",),
            "Help with the cargo and linker issues",
        ),
        (
            "* Joerg Roedel explained plans to integrate user space testing into the repository.\n",
            ("Joerg Roedel",),
            "Integrate user space testing into the repository",
        ),
        (
            "* Stefano Garzarella (Red Hat) stated he would post an issue with a report.\n",
            ("Stefano Garzarella",),
            "Post an issue with a report",
        ),
        (
            "* Dionna requested Tom Lendacky to review her branch on the mailing list.\n",
            ("Tom Lendacky",),
            "Review her branch on the mailing list",
        ),
        (
            "Attendees: Oliver Steffen\n\n* **Decision**: Oliver to add the MMIO routines now.\n",
            ("Oliver",),
            "Add the MMIO routines now",
        ),
        (
            "* James suggested an announcement. Jörg agreed and said the project will announce "
            "the required updates on the mailing list.\n",
            ("Jörg",),
            "Announce the required updates on the mailing list",
        ),
        ("* The old-format PR will be closed by Max.\n", ("Max",), "Close the old-format PR"),
        (
            "- Annex K - request for Jeff to review with the security team.\n",
            ("Jeff",),
            "Review with the security team",
        ),
        (
            "* **Christian Huitema:** Offered to work on the multipath extension.\n",
            ("Christian Huitema",),
            "Work on the multipath extension",
        ),
        # Somebody's own words: a speaker label, or the owner of the bullet above.
        (
            "lars: I can talk some more with Alan about this subject.\n\nlars: agreed.\n",
            ("lars",),
            "Talk some more with Alan about this subject",
        ),
        (
            "Attendees: erethon, hexa\n\n- erethon:\n  - Will send the 600 emails today.\n",
            ("erethon",),
            "Send the 600 emails",
        ),
        (
            "* Tom Lendacky provided an update:\n  * Will check with Pankaj about the areas to help.\n",
            ("Tom Lendacky",),
            "Check with Pankaj about the areas to help",
        ),
        (
            "- **Status:** Axic: No progress made on it. Will lead a chat in Gitter.\n",
            ("Axic",),
            "Lead a chat in Gitter",
        ),
        # Explicit entries in the forms real minutes use.
        (
            "ACTION: eP to ask Fred where the use case is tracked\n",
            ("eP",),
            "Ask Fred where the use case is tracked",
        ),
        (
            "**ACTION 62.5:** James Hancock to update the wiki with the decisions.\n",
            ("James Hancock",),
            "Update the wiki with the decisions",
        ),
        (
            "- ACTION ITEM Niko to leave a comment summarizing the above\n",
            ("Niko",),
            "Leave a comment summarizing the above",
        ),
        ("- ACTTION ITEM Josh to open an issue\n", ("Josh",), "Open an issue"),
        ("#action alice to fix the nightly build\n", ("alice",), "Fix the nightly build"),
        (
            "[NEW] ACTION: fantasai to draft the new text\n\n[DONE] ACTION: Rossen to merge it\n",
            ("fantasai",),
            "Draft the new text",
        ),
        ("ACTION - Bob to rotate the signing key\n", ("Bob",), "Rotate the signing key"),
        ("- Everyone, please review the draft charter.\n", (), "Review the draft charter"),
        (
            "- Everyone: please try the rc1 tag on your boards.\n",
            (),
            "Try the rc1 tag on your boards",
        ),
        ("- Alice has agreed to draft the notes.\n", ("Alice",), "Draft the notes"),
        (
            "* TODO(@bifurcation) rename Sender.id to Sender.key\n",
            ("bifurcation",),
            "Rename Sender.id to Sender.key",
        ),
        (
            "## Action Items\n\n* [ ] Work through the book to get examples working. (Kate)\n",
            ("Kate",),
            "Work through the book to get examples working",
        ),
        (
            "## Action items\n\n- [ ] Update the install docs: Kate\n",
            ("Kate",),
            "Update the install docs",
        ),
        (
            "## Action Items\n\n* [ ] Merge the docs PR (nikomatsakis, scalexm)\n",
            ("nikomatsakis", "scalexm"),
            "Merge the docs PR",
        ),
        (
            "| Topic | Details |\n|---|---|\n| Devnet | - **ACTION**: Pari to launch the devnet after this call |\n",
            ("Pari",),
            "Launch the devnet after this call",
        ),
        (
            "## Next steps\n\n- **Deeptanshu**:\n  - Refine the simulate endpoints.\n",
            ("Deeptanshu",),
            "Refine the simulate endpoints",
        ),
        (
            "## Action Items\n\n### Tony\n- Gather feedback from Infura on gas estimation.\n\n"
            "Tony: thanks.\n",
            ("Tony",),
            "Gather feedback from Infura on gas estimation",
        ),
        (
            "Ultimately we identified the following next steps:\n\n"
            "- Schedule a meeting on lifetime problems. (nikomatsakis)\n",
            ("nikomatsakis",),
            "Schedule a meeting on lifetime problems",
        ),
        (
            "- Task (Trevis):\n  - Examine the representative users of the library\n",
            ("Trevis",),
            "Examine the representative users of the library",
        ),
        (
            "## Pending Action Items:\n\n* For the content type PR, need to update the definition.\n",
            (),
            "For the content type PR, need to update the definition",
        ),
        # "X to do Y" after a scene-setting phrase, after ", but".
        (
            "Attendees: Alexios\n\n- Then after that, Alexios to coordinate with Arthit.\n",
            ("Alexios",),
            "Coordinate with Arthit",
        ),
        (
            "Attendees: Darja\n\nAnswer: not known yet, but Darja to keep the board informed.\n",
            ("Darja",),
            "Keep the board informed",
        ),
        # A pronoun after a verb of saying is the speaker's, whoever was named before.
        (
            "Attendees: David, Trevis\n\n"
            "- David proposed a file. Trevis said they would make the list of priorities.\n",
            ("Trevis",),
            "Make the list of priorities",
        ),
        (
            "* Roy suggests the bug is in QEMU, not in Linux. Stefano said he would investigate.\n",
            ("Stefano",),
            "Investigate",
        ),
        # A gerund after "will be" or "committed to" is the task's verb.
        (
            "* Xin will be working on the parser rewrite.\n",
            ("Xin",),
            "Work on the parser rewrite",
        ),
        # Names listed before a colon own the entry.
        (
            "Attendees: Kevin, Maria\n\n## Action items\n\n- Kevin, Maria: write the blog post\n",
            ("Kevin", "Maria"),
            "Write the blog post",
        ),
        # A date phrase that is the object stays in the title.
        ("* Sam will chair the next meeting.\n", ("Sam",), "Chair the next meeting"),
    ],
)
def test_a_form_real_minutes_use_gives_its_item(
    markdown: str, owners: tuple[str, ...], title: str
) -> None:
    assert found(markdown) == [(owners, title)]


@pytest.mark.parametrize(
    ("markdown", "owners", "title"),
    [
        (
            "- Someone needs to update the install docs. Alice volunteered.\n",
            ("Alice",),
            "Update the install docs",
        ),
        (
            "- We need a volunteer to triage the flaky tests.\n- Bob: I'll take it.\n",
            ("Bob",),
            "Triage the flaky tests",
        ),
        (
            "- The release notes still need to be written. Carol will do it.\n",
            ("Carol",),
            "Write the release notes",
        ),
    ],
)
def test_a_volunteer_takes_the_task_stated_before(
    markdown: str, owners: tuple[str, ...], title: str
) -> None:
    assert found(markdown) == [(owners, title)]


def test_owner_and_due_lines_nested_under_an_entry_fill_it_in() -> None:
    markdown = """\
        ## Action items

        - [ ] Update the release notes
          - Owner: @alice
          - Due: Friday
        - [ ] Tag the release
        """

    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)

    assert [(i.line, i.owners, i.title, i.due) for i in minutes.items] == [
        (3, ("alice",), "Update the release notes", date(2025, 6, 13)),
        (6, (), "Tag the release", None),
    ]


def test_a_need_nobody_takes_is_no_item() -> None:
    assert found("- Someone should look at the CI. Nobody volunteered.\n") == []


def test_both_and_they_name_the_people_just_spoken_of() -> None:
    markdown = """\
        ### Container script

        * Stefano noted that the container script is outdated.
        * Jörg Rödel confirmed he is not using it.
        * **Action:** Both agreed to remove the script.

        ### IGVM

        * Roy Hopkins is about to upload a rework of Peter Fang's PR. They will coordinate their efforts.
        """

    assert found(markdown) == [
        (("Stefano", "Jörg Rödel"), "Remove the script"),
        (("Roy Hopkins", "Peter Fang"), "Coordinate their efforts"),
    ]


def test_a_group_committing_in_its_own_bullet_is_everybody() -> None:
    assert found("* We'll drop v14 support and add v20 to the review action.\n") == [
        ((), "Drop v14 support and add v20 to the review action")
    ]


def test_a_dangling_commitment_is_completed_by_each_nested_bullet() -> None:
    markdown = """\
        Present: Jean Burellier, Michael Dawson

        * Jean - will reach out to
          * Performance team
          * SEA team
        """

    assert found(markdown) == [
        (("Jean",), "Reach out to Performance team"),
        (("Jean",), "Reach out to SEA team"),
    ]


def test_nested_checkboxes_take_their_parent_entrys_owners() -> None:
    markdown = """\
        ## Action Items

        * [ ] Chris / Stephen : Improve communication with the SIG
          * [ ] Reach out to Dan about the SDK meetings
        """

    assert found(markdown) == [
        (("Chris", "Stephen"), "Improve communication with the SIG"),
        (("Chris", "Stephen"), "Reach out to Dan about the SDK meetings"),
    ]


def test_a_deadline_in_a_commitment_resolves_against_the_meeting() -> None:
    minutes = extract_minutes(
        "* Jörg said he plans to review them later this week.\n", meeting_date=MEETING
    )

    assert [(i.owners, i.due) for i in minutes.items] == [(("Jörg",), date(2025, 6, 13))]


@pytest.mark.parametrize(
    "markdown",
    [
        "* Eric will serve as notetaker for this meeting.\n",
        "* The group agreed to a weekly cadence, meeting next on March 6.\n",
        "* He mentioned the need to convince the architects about the use case.\n",
        "* Kubernetes will drop support for it; we run on Kubernetes today.\n",
        "* Testing will continue next week.\n",
        "* Ready to merge.\n",
        "* Wanted to make it easier to see what is added.\n",
        "* Happy to answer questions.\n",
        "- Alice: please review my PR.\n",
        "- Please note the new meeting time.\n",
        "* Updates will follow on the list.\n",
        "* Processes which need to be established to reach LTS.\n",
        "* Will we need a new release for this?\n",
        "alan: Expectation that when decisions need to be made, will form a smaller group.\n",
        "* JW: I also spoke with Ruben, so I can formulate clarifications as requested.\n",
        "*Action: Alan is chair.*\n",
        "## Review of previous action items\n\nACTION: Kate to update the design doc\n",
        "## Action items\n\n- Rename the branch\n  - Note this should be the same as a rename\n"
        "  - e.g. create support/2.3 first\n",
        "* Peter asked reviewers to look at the PR.\n",
        "* It will be great to have some community support for fuzzing.\n",
        "* The proposal will be sent to the mailing list for discussion.\n",
        "* Don't need to write it, but need to define its purpose first.\n",
        "* Dionna Glaze will present remotely if she can.\n",
        "* Ziqiao might look at the allocator again.\n",
        "* Jörg Rödel hasn't agreed to review it.\n",
        "* The possibility of supporting multiple keys will be discussed.\n",
        # Arguing in someone's own words commits nobody.
        "* Kevin: I'll admit it is messy, but I'll say that the design is fine.\n",
        # Things are not people, even after "the".
        "* Maria said the PR will land after the freeze.\n",
        "* Maria thinks the API will change.\n",
        "* Maria said the release will ship in June.\n",
        # Finished work, and an earlier meeting's list restated.
        "Attendees: Kevin\n\n* Kevin to draft the announcement — done\n",
        "Attendees: Kevin, Maria\n\n## Action items from last meeting\n\n"
        "- Kevin to draft the announcement\n- Maria to update the roadmap: in progress\n",
    ],
)
def test_what_looks_like_an_item_but_commits_nobody(markdown: str) -> None:
    items = found(markdown)

    assert [i for i in items if "Rename the branch" not in i[1]] == []


def test_a_reminder_about_someone_elses_pr_keeps_whose_pr_it_is() -> None:
    markdown = """\
        Attendees: Zoë Whitlock, Tobias Lindqvist, Joerg Roedel

        - Zoë presented her draft PR for the scheduler. Tobias reminded Joerg about it and
          requested a review.
        """

    [item] = extract_minutes(textwrap.dedent(markdown)).items

    assert (item.owners, item.title) == (("Joerg",), "Review Zoë's draft PR")
    assert [(r.value, r.person) for r in item.refs] == [("her draft PR for the scheduler", "Zoë")]


def test_new_work_stated_in_a_review_of_earlier_actions_is_an_item() -> None:
    markdown = """\
        Attendees: Sunniva, Tobias

        ## Follow-ups from the last call

        - Sunniva confirmed the boards can stay powered. Tobias to switch the nightly job over
          to that rack.
        """

    assert found(markdown) == [(("Tobias",), "Switch the nightly job over to that rack")]


def test_a_bold_line_opening_a_paragraph_heads_what_follows() -> None:
    markdown = """\
        **Action items**
        **Gas estimation options for `eth_simulate`**
        - `gasLimit: number, estimate: true; error if both provided`
        - `gasLimit: number; global flag estimates all missing transactions`
        """

    assert found(markdown) == []


def test_a_wrapped_sentence_is_no_attendee_label() -> None:
    markdown = """\
        For design meetings, switch to the approach the compiler
        team uses: one meeting per month, and not in triage meetings,
        or out of band.

        - Reviewed the FCP list.
          - In FCP to close
        """

    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)

    assert [a.name for a in minutes.attendees] == []
    assert minutes.items == ()


def test_two_people_to_do_two_things_in_one_sentence_are_two_items() -> None:
    markdown = "Attendees: Brett, Thomas\n\n* Brett to email Barry about it and Thomas to help.\n"

    assert found(markdown) == [(("Brett",), "Email Barry about it"), (("Thomas",), "Help")]


def test_a_date_in_an_entry_of_two_tasks_is_the_one_tasks() -> None:
    markdown = """\
        ## Action items

        - [ ] @haalto — publish the codemod — January; @fandrade — blog post once it is out
        """

    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)

    assert [(i.owners, i.due) for i in minutes.items] == [
        (("haalto",), date(2026, 1, 31)),
        (("fandrade",), None),
    ]


def test_an_action_restated_in_the_closing_list_is_one_item() -> None:
    markdown = """\
        Attendees: kevin, maria

        ## Meeting summary

        * Tickets
          * ACTION: kevin to update the wiki page for the proxies  (nirik, 16:10:22)
          * ACTION: maria to file a ticket about the certs  (nirik, 16:15:33)

        ## Action items

        * kevin to update the wiki page for the proxies
        * maria to file a ticket about the certs
        """

    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)

    assert [(i.line, i.owners, i.title) for i in minutes.items] == [
        (11, ("kevin",), "Update the wiki page for the proxies"),
        (12, ("maria",), "File a ticket about the certs"),
    ]


def test_alike_actions_of_one_discussion_are_each_an_item() -> None:
    markdown = """\
        *Action: form technical direction subcommittee.*

        *Action: form launch subcommittee.*

        *Action: form infrastructure subcommittee.*
        """

    assert [title for _, title in found(markdown)] == [
        "Form technical direction subcommittee",
        "Form launch subcommittee",
        "Form infrastructure subcommittee",
    ]


def test_each_line_of_a_scribe_log_is_its_speakers() -> None:
    markdown = """\
        Present: kevin, maria, ana

        kevin: I can write the test cases
        maria: I'll ping the editors about it
        ana: I think it's fine
        """

    assert found(markdown) == [
        (("kevin",), "Write the test cases"),
        (("maria",), "Ping the editors about it"),
    ]


# --- cues that count on their own -------------------------------------------------------------


def dated(markdown: str) -> list[tuple[tuple[str, ...], str, date | None]]:
    minutes = extract_minutes(textwrap.dedent(markdown), meeting_date=MEETING)
    return [(item.owners, item.title, item.due) for item in minutes.items]


def test_a_roll_call_of_checkboxes_is_who_came() -> None:
    markdown = """\
        ## Voting Attendees

        ### Member Representatives

        - [ ] Brian Cipriano - Google LLC
        - [x] Cory Omand - The Walt Disney Studios
        - [ ] Ken Museth - OpenVDB Representative

        ## Regrets

        - [ ] Dana Ruiz

        ## Action items

        - [ ] Cory: send the charter draft to the list
        """
    assert found(markdown) == [(("Cory",), "Send the charter draft to the list")]


def test_an_action_list_under_the_attendees_heading_is_still_an_action_list() -> None:
    markdown = """\
        ## Attendees

        * Matt Fisher / mfisher87 / Schmidt DSE

        ### Action items

        - [ ] Matt: Set up a notification alert for the term
        """
    assert found(markdown) == [(("Matt",), "Set up a notification alert for the term")]


def test_a_speaker_tag_names_who_speaks() -> None:
    markdown = """\
        ### Need attention (reviews)
        - [name=Kshitij] Implement max recall at K precision #24671
            - [name=Guillaume] I will have to look at this PR.

        ### Action items

        - [name=Olivier] Will check the nightly builds.
        """
    assert found(markdown) == [
        (("Guillaume",), "Look at this PR"),
        (("Olivier",), "Check the nightly builds"),
    ]


def test_a_name_then_to_and_a_verb_opening_a_line_is_an_owner_and_a_task() -> None:
    markdown = """\
        - SLEP 17 clone protocol PR. Ready to vote?
            - Andy to merge and call for a vote
        - Ready to merge once CI is green.
        """
    assert found(markdown) == [(("Andy",), "Merge and call for a vote")]


def test_the_people_asked_under_an_entry_own_it() -> None:
    markdown = """\
        ## TODOs:

        - [ ] Reach out to the admin group and ask if they can act as admins
            - Ask Zac (@tonyganch)
            - Ask Matt (@sofianguy)
            - (No need to ask Jacob; he was at the meeting where it was decided)
        """
    assert [owners for owners, _ in found(markdown)] == [("tonyganch", "sofianguy")]


def test_a_decision_says_what_everyone_should_do_without_giving_anyone_a_task() -> None:
    markdown = """\
        - Decision: A person should not join just to hang out. The form is the default entry
          point, that everyone should fill out.
        - Everyone should fill out the survey by Friday.
        """
    assert found(markdown) == [((), "Fill out the survey")]


def test_fields_written_in_the_entry_line_give_owner_due_date_and_status() -> None:
    markdown = """\
        #### Action Items:
        - [action] Establish the onboarding workgroup. [assignee] devon [due] 31 July 2025 [status] in progress
        - [action] Marketing guild outreach [assignee] hufiumer [due] 16 June 2025 [status] done

        ## Next steps
        - Write the release post — Owner: Bob — Due: Friday
        - Update the docs; Owner: Ana; Status: done
        """
    assert dated(markdown) == [
        (("devon",), "Establish the onboarding workgroup", date(2025, 7, 31)),
        (("Bob",), "Write the release post", date(2025, 6, 13)),
    ]


def test_what_happens_under_a_condition_or_is_required_commits_nobody() -> None:
    markdown = """\
        - When you configure this, Dependabot will send PRs to upgrade to new versions.
        - But the RP needs to opt into it and that's what I want to preserve.
        - Each project needs to publish a security policy.
        - Ari has an action to ask for standards positions.
        """
    assert found(markdown) == [(("Ari",), "Ask for standards positions")]


def test_a_step_that_ends_with_its_owner_is_an_entry_wherever_it_stands() -> None:
    markdown = """\
        ## Build

        * Start moving to external data, in the following order.
          1. Then look at adding the external data
          2. Move the system test scripts to the main repository (Martyn)
        * Update the wiki page (optional)
        """
    assert found(markdown) == [(("Martyn",), "Move the system test scripts to the main repository")]


def test_when_something_starts_is_no_deadline() -> None:
    markdown = """\
        ## Action items
        * [ ] Move the biweekly meeting by a week, starting next week (@ckerr)
        * [ ] Send the survey every Friday (@ana)
        * [ ] Post the notes by Friday (@bo)
        """
    assert [due for _, _, due in dated(markdown)] == [None, None, date(2025, 6, 13)]


def test_plain_lines_under_an_action_heading_are_entries_when_each_names_its_owner() -> None:
    markdown = """\
        ## Action items

        Ngozi: prototype the compatibility layer
        Camille: add a lock to the dictionary cache
        All: test the pre-releases against your projects

        ## Follow-ups

        Kofi will present this review at the all-hands.
        Marcus offered to write a short RFC if the team wants one.
        """
    assert found(markdown) == [
        (("Ngozi",), "Prototype the compatibility layer"),
        (("Camille",), "Add a lock to the dictionary cache"),
        ((), "Test the pre-releases against your projects"),
        (("Kofi",), "Present this review at the all-hands"),
    ]


def test_a_status_label_opening_an_entry_is_no_field_of_it() -> None:
    markdown = """\
        - Axic: no discussion yet.

        ## Actions

        - [ ] **Status:** Axic: No progress made on it. Will lead a chat in the forum.
        """
    assert found(markdown) == [(("Axic",), "Lead a chat in the forum")]


def test_a_tables_action_column_holds_one_entry_per_line_of_a_cell() -> None:
    markdown = """\
    | Topic | Notes | Actions |
    |---|---|---|
    | Release | <p>- Going well.<br>- Freeze soon.</p> | <p>- Prepare the release notes.<br>- Dana and Eli to test the installer.</p> |
    | Budget | Discussed. | - Decision to keep the budget as it is. |
    """

    assert found(markdown) == [
        ((), "Prepare the release notes"),
        (("Dana", "Eli"), "Test the installer"),
    ]


def test_each_row_of_a_one_column_action_table_is_an_entry() -> None:
    markdown = """\
    ## Action items

    | Action item |
    |---|
    | Draft the onboarding guide |
    | Guidelines for running a community session |
    """

    assert [title for _, title in found(markdown)] == [
        "Draft the onboarding guide",
        "Guidelines for running a community session",
    ]


@pytest.mark.parametrize("heading", ["## {}", "**{}**"])
def test_a_roll_call_goes_on_under_the_headings_of_its_groups(heading: str) -> None:
    markdown = f"""\
    {heading.format("Attendees")}

    {heading.format("Member representatives")}

    - [ ] Ana Lima - Acme Corp
    - [x] Bo Chen - Initech

    {heading.format("Project representatives")}

    - [ ] Kai Berg - OpenThing
    - [ ] Lee Park - OtherThing

    {heading.format("Notes")}

    - [ ] Ana Lima - send the survey to the members
    """

    assert found(markdown) == [(("Ana Lima",), "Send the survey to the members")]


def test_a_later_entry_with_another_verb_restates_nothing() -> None:
    markdown = """\
    - Kim will cut the 2.0 branch on Friday and post the announcement.
    - Known issues:
      - The installer crashes on ARM. TODO(kim): backport the fix to the 2.0 branch once cut.
    """

    assert [title for _, title in found(markdown)] == [
        "Cut the 2.0 branch on Friday and post the announcement",
        "Backport the fix to the 2.0 branch once cut",
    ]


def test_a_list_introduced_as_decisions_records_them_even_under_an_action_heading() -> None:
    markdown = """\
    ## Decisions/Actions

    Decisions

    * The committee will operate with nine members until the next election.
    * The board agreed that the policy stays as it is.

    Actions

    * Bosko to finalize the response on nested transactions.
    """

    assert found(markdown) == [(("Bosko",), "Finalize the response on nested transactions")]


def test_plain_lines_under_an_action_heading_are_entries_when_most_name_their_owner() -> None:
    markdown = """\
    # Actions

    Test the timeouts in ctest (Martyn)
    Move the build scripts to cmake (Stuart)
    Owen will talk to the vendor about branded apps.
    """

    assert found(markdown) == [
        (("Martyn",), "Test the timeouts in ctest"),
        (("Stuart",), "Move the build scripts to cmake"),
        (("Owen",), "Talk to the vendor about branded apps"),
    ]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        (
            "- Lena signalled that she means to pick up the review.\n",
            [(("Lena",), "Pick up the review")],
        ),
        (
            "- Kai said he should be able to bump the toolchain.\n",
            [(("Kai",), "Bump the toolchain")],
        ),
        ("- Maintainers were urged to try the beta.\n", [(("Maintainers",), "Try the beta")]),
        ("- Please everyone read the draft.\n", [((), "Read the draft")]),
        ("- Ana, attending the workshop, will report back.\n", [(("Ana",), "Report back")]),
        (
            "- Who can draft the policy? Tom and Priya volunteered.\n",
            [(("Tom", "Priya"), "Draft the policy")],
        ),
        ("- Who can draft the policy?\n- Ravi volunteering.\n", [(("Ravi",), "Draft the policy")]),
        (
            "- Jo volunteered to update the docs and to file the issue.\n",
            [(("Jo",), "Update the docs"), (("Jo",), "File the issue")],
        ),
        (
            "- David will prepare notes to share with the maintainers and to publish them.\n",
            [(("David",), "Prepare notes to share with the maintainers and to publish them")],
        ),
    ],
)
def test_commitments_in_other_words(
    markdown: str, expected: list[tuple[tuple[str, ...], str]]
) -> None:
    assert found(markdown) == expected


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("kt: after the call I'll share the recording\n", [(("kt",), "Share the recording")]),
        (
            "<marta> I will add my notes to the issue\n<kt> I can merge it after that\n",
            [(("marta",), "Add my notes to the issue"), (("kt",), "Merge it after that")],
        ),
    ],
)
def test_a_scribe_logs_speakers_speak_in_the_first_person(
    markdown: str, expected: list[tuple[tuple[str, ...], str]]
) -> None:
    assert found(markdown) == expected


@pytest.mark.parametrize(
    "markdown",
    [
        "## Roles\n\n- Sam will take notes\n- Ira will chair\n",
        "- Kim will drop in later.\n",
        "- Ravi will join the call late.\n",
        "- We will keep using the mailing list.\n",
        "- Dana: I'll go one step further and say it's great.\n",
    ],
)
def test_the_meeting_itself_and_how_a_group_goes_on_are_no_work(markdown: str) -> None:
    assert found(markdown) == []


def test_what_follows_after_is_when_a_task_may_start_not_its_deadline() -> None:
    minutes = extract_minutes("- Lee will follow up after the chat today.\n", meeting_date=MEETING)

    assert [(i.owners, i.due) for i in minutes.items] == [(("Lee",), None)]
