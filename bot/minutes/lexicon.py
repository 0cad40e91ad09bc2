"""Words of general English that the extractor reasons with.

A commitment in minutes is a person followed by a verb of doing ("will *review*", "to
*send*"); the verbs below are the ones tasks are made of. Capitalised words that open
sentences without being anybody ("Testing will continue") are listed so that they are
not taken for names; roles and groups say who acts when no name is given.
"""

from __future__ import annotations

import re

from bot.minutes.patterns import compile_lazily


def wordset(text: str) -> frozenset[str]:
    """The words of `text`, for writing word lists as prose."""
    return frozenset(text.split())


# Base forms of verbs that state work to be done after a meeting. Verbs of being,
# having, wanting, feeling and seeing are absent on purpose: "will be", "will need",
# "will see" report or predict, they do not commit anybody.
TASK_VERBS = wordset(
    """
    accept act add address adjust advance advertise align allocate analyse analyze announce
    answer apply approach approve archive arrange ask assess assign assist attach attempt
    attend audit automate backport benchmark bisect book bootstrap bring broadcast build bump
    buy calculate call cancel capture catch change chase check choose circulate clarify
    classify clean cleanup clear close coach collaborate collect combine comment communicate
    compare compile complete compose configure confirm connect consider consolidate construct
    consult contact continue contribute convene convert coordinate copy correct create curate
    cut debug decide dedupe define delegate delete deliver demo demonstrate deploy deprecate
    describe design detail determine develop diagnose direct disable discuss dispatch
    distribute dive do document double-check draft drive drop edit elaborate elevate email
    enable encourage engage ensure enumerate escalate establish estimate evaluate examine
    expand experiment explain explore export extend extract facilitate fetch figure file
    fill finalise finalize find finish fix flag focus fold follow fork formalise formalize
    forward gather generate get give go grant ground guide handle help hold host identify
    implement import improve include incorporate inform initiate inquire install integrate
    introduce invest investigate invite involve iterate join keep kick label land launch lead
    learn let link list locate log look loop maintain make manage map measure meet mentor
    merge migrate mirror model modify monitor move nominate note notify nudge obtain onboard
    open optimise optimize order organise organize outline own package pair patch pay pick
    pilot ping plan poll port post postpone prepare present prioritise prioritize probe
    proceed produce profile progress promote propose prototype provide publish pull purchase
    pursue push put query raise re-raise reach read reassess rebase rebuild recap reconsider
    record recruit redesign reduce refactor refine reformat register reimplement release
    relocate remind remove rename renew reorganise reorganize repair replace reply report
    reproduce request research reschedule resolve respond restart restructure resubmit resume
    retest retry return revert review revise revisit rework rewrite run schedule scope
    scrub search secure select send set settle setup share ship shorten sign simplify sketch
    solicit solve sort specify spin split sponsor standardise standardize start stop
    streamline structure study submit summarise summarize supply support survey switch sync
    synchronise synchronize tackle tag take talk target teach test tidy touch track train
    transfer transition translate triage trim try tweak undertake unblock unify update
    upgrade upload upstream use validate verify visit vote wait walk work wrap write
    acquire begin blog chat cherry-pick clone code come compute cover defer delay dig draw
    enroll fund grab hand localise localize mail message mock pass pin point polish proofread
    provision reassign reboot recommend reject reopen represent rerun reserve revoke rotate
    show suggest turn watch
    """
)

# Words that may stand between "will" and its verb without changing who commits.
ADVERBS = wordset(
    """
    also then now still first further additionally definitely actively soon eventually both
    all each personally again quickly just likely probably hopefully together jointly
    separately offline async asynchronously directly immediately shortly later next finally
    meanwhile already once instead
    """
)

# Capitalised words that begin sentences in minutes but are never people.
NOT_PEOPLE = wordset(
    """
    a about above across action actions after afterwards again agenda agreement ai all also
    although an and announcement announcements another answer any anyone apologies april as
    at attendance attendees august background before being both but by ci consensus context
    currently date day december decided decision decisions demo details discussion docs done
    due during each either else even every everybody everyone everything except february few
    finally first follow-up followup for format friday from further general given goal goals
    group he hence her here hers him his how however i idea ideas if in instead it its itself
    january july june just last later let lets links location march may meanwhile meeting
    minutes misc mitigation monday more most mostly much my need news next no nobody none nor
    not note notes nothing november now october of often on once one only open or other others
    our outcome over overall owner owners participants per perhaps plan please plus possibly
    present problem proposal q1 q2 q3 q4 question questions rather re regarding regrets release
    reminder reminders resolution result results review risk risks saturday scribe september
    she should since so some someone somebody something sometimes soon spike status still
    such summary sunday target targets task tasks tbd team than thanks that the their them
    then there these they this those though through thursday thus time to today todo
    tomorrow topic topics tuesday unless until update updates upon us via was we wednesday
    week well what when where whether which while who whoever why will with within without
    yes yet you your optional tentative wip urgent blocked pending ongoing later high low
    medium critical two three four five six seven eight nine ten second third ready happy glad
    able free sure possible likely unlikely
    """
)

# Abstract-noun endings: "Testing", "Documentation", "Deployment" are things, not people.
THING_SUFFIXES = ("ing", "tion", "sion", "ment", "ness", "ity", "ance", "ence", "ism", "ogy")

# Who acts when the minutes name a body or role instead of a person ("the secretary",
# "the TSC", "Steering Council members"). Generic groups mean everybody: no owner.
ROLE_WORDS = wordset(
    """
    secretary chair chairs co-chair co-chairs editor editors maintainer maintainers organizer
    organizers organiser organisers moderator moderators board committee council members
    reviewers authors owners leads admins folks herders
    """
)
GROUP_WORDS = wordset(
    """
    everyone everybody all team teams group groups we us attendees participants whole
    """
)

# In-meeting roles: taking notes or chairing is not work that outlives the meeting.
MEETING_ROLES = wordset(
    """
    notetaker note-taker notetakers scribe scribes minute-taker timekeeper facilitator
    moderator chair secretary champion
    """
)

# Name particles that stay lower-case inside a full name ("Ana de Souza", "Jan van Dijk").
NAME_PARTICLES = wordset("de van von der den da di du del della la le bin al ter ten")

# Things that do work in a sentence without being anybody: "Spec PR to specify …".
ARTIFACTS = wordset(
    """
    pr prs issue issues doc docs document page spec rfc eip pep kep test tests release branch
    ci build script file proposal patch draft repo repository api abi cli sdk ui readme
    changelog faq
    """
)

# Words that cannot be the verb after "will" or "agreed to": the closed classes of English
# (articles, pronouns, prepositions, conjunctions) and the verbs of being, having, needing,
# wanting, perceiving and arguing ("I'll admit it is messy"), which predict or report rather
# than commit.
NOT_VERBS = wordset(
    """
    a an the this that these those some any all each every no none both either neither my your
    his her its our their it he she they we you i me him us them one two three four five
    of in on at by for from with without into onto about above below over under between
    through during before after since until upon within among against toward towards via per
    and or but nor so yet if then than because while whereas although though unless whether
    as not never also just only very really quite more most less least too rather
    be been being am is are was were have has had having need needs want wants wish like love
    hate see seem seems know think thought feel believe hope expect happen become remain
    stay hear appear mean matter depend belong exist cost say argue admit claim guess bet assume
    imagine understand
    probably possibly perhaps maybe hopefully likely certainly surely
    what which who whom whose when where why how there here now
    """
)

# Headings and labels that announce a list of things to do.
ACTION_HEADING = compile_lazily(
    r"\b(?:action items?|actions?|action points|follow[- ]?ups?|work items|open items|"
    r"to-?dos?|next steps|tasks?|assignments)\b",
    re.I,
)
