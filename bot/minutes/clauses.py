"""Commitments in one sentence: who will do what after the meeting.

A commitment is a subject and a verb phrase of doing, joined by one of the forms minutes
use: "X will …", "X agreed to …", "X plans to …", "X was asked to …", "Y asked X to …",
"X said he would …", "X to …" at the head of a clause, "X offered help with …", and in
someone's own words "I'll …", "I can …". The subject may be a name, a role ("the
secretary"), a group ("the team": nobody in particular), a pronoun (resolved to the people
the minutes were just about), or missing, as in "Will check with Pankaj" under a person's
bullet or after "Alice:". Reports, opinions, passives, negations and hedges are not
commitments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.minutes.lexicon import ADVERBS, MEETING_ROLES, NOT_VERBS, TASK_VERBS, wordset
from bot.minutes.names import People, Subject, subject_at_start, subject_before
from bot.minutes.patterns import compile_lazily

# The words that join a subject to what it commits to. Each alternative is a fixed phrase,
# so scanning a sentence costs time linear in its length.
_TRIGGER = compile_lazily(
    r"(?P<passive>\b(?:will|would|should|must|needs?\s+to|is\s+to|are\s+to|is\s+going\s+to)\s+be\s+"
    r"(?P<participle>[a-z]+)\s+by)\s"
    r"|(?P<will>\b(?i:will|shall)\b|(?<=\w)['’]ll\b)"
    r"|(?P<would>\bwould\b|(?<=\w)['’]d\b)"
    r"|(?P<going>(?:\b(?:is|are|am|was|were)\s+|(?<=\w)['’](?:s|re|m)\s+|\b)(?i:going)\s+to)\b"
    r"|(?P<plan>(?:\b(?:is|are|am)\s+|(?<=\w)['’](?:s|re|m)\s+|\b)(?i:plans|plan|planning|"
    r"intends|intend|intending|means|mean|(?:still\s+)?needs|need)\s+to)\b"
    r"|\b(?P<must>has\s+to|have\s+to|should|must)\b"
    r"|\b(?P<commit>(?i:agreed|agrees|offered|offers|volunteered|volunteers|promised|promises|"
    r"committed|commits|undertook|undertakes|signed\s+up|took\s+(?:an|the)\s+action(?:\s+item)?|"
    r"takes\s+(?:an|the)\s+action|ha(?:s|ve)\s+(?:an|the)\s+action(?:\s+item)?|"
    r"(?:was|were|is|are|has\s+been|have\s+been)\s+"
    r"(?:asked|requested|tasked|assigned|expected|urged|encouraged))\s+(?:with|to))\b"
    r"|\b(?P<plans>(?:explained|announced|mentioned|shared|outlined|described|presented|noted)"
    r"\s+(?:his|her|their|the)?\s*plans?\s+to)\b"
    r"|\b(?P<offer>(?:offered|offers|volunteered)\s+(?:his|her|their)?\s*(?:assistance|help|support))"
    r"\b(?:\s+(?P<offer_with>with|on|for|in)\b)?"
    r"|\b(?P<ask>(?i:(?:asked|asks|ask|requested|requests|request)\s+for|asked|asks|requested|"
    r"requests|reminded|reminds|encouraged|encourages|invited|invites|urged|urges|told|tells))"
    r"\s+(?P<obj>[^,;.:()]{1,60}?)\s+to\b"
    r"|\b(?P<can>can)\b"
    r"|\b(?P<please>(?i:please))\b"
    r"|\b(?P<to>to)\b"
)
_PLEASE_ALL = compile_lazily(r"(?i:please),?\s+(?:everyone|everybody|all)\b")
_NEGATION = compile_lazily(r"^\s*(?:not|never|no\s+longer|n['’]t)\b|^n?['’]t\b", re.I)
_AND_BEFORE = compile_lazily(r"\band(?:\s+then)?\s*$")
# The first words of every form of _TRIGGER.
# The words every form of _TRIGGER starts with.
_WORD = compile_lazily(r"\w+(?:['’]\w+)?")
_FIRST_WORDS = wordset(
    """
    will shall would should must need needs still going plan plans planning intend intends
    intending means mean is are am was were has have agree agreed agrees offer offered offers volunteer
    volunteered volunteers promise promised promises commit committed commits undertook
    undertakes signed took takes explained announced mentioned shared outlined described
    presented noted ask asks asked request requests requested remind reminded reminds
    encouraged encourages invite invited invites urge urged urges told tells can to please
    """
)
_NOUN_BEFORE = compile_lazily(r"\b(?:the|a|an|no|any|our|their|his|her)\s*$", re.I)
_NEGATED_BEFORE = compile_lazily(r"(?:\bnot|n['’]t|\bnever)\s*$", re.I)
_HEDGE_ADVERBS = frozenset({"probably", "possibly", "perhaps", "maybe", "hopefully", "likely"})
_HEDGES = compile_lazily(
    r"\bif (?:he|she|they|we|I|time) (?:finds?|has|have|gets?|permits)\b|\bif the team wants\b|"
    r"\bif it goes ahead\b|\bif (?:anyone|there is) (?:wants|interest)\b|"
    r"\bif (?:he|she|they) (?:can|could)\b",
    re.I,
)
_SPEECH_BEFORE = compile_lazily(
    r"\b(?:said|says|stated|states|confirmed|confirms|mentioned|noted|promised|agreed|replied|"
    r"answered|indicated|added|explained|responded|decided|determined|concluded|resolved|"
    r"told\s+\w+)\s+(?:that\s+)?$",
    re.I,
)
# "Jörg agreed and said the project will …": a short subject after a verb of saying.
_SAID_SUBJECT = compile_lazily(
    r"\b(?P<verb>said|stated|confirmed|mentioned|noted|explained|announced|decided)\s+(?:that\s+)?"
    r"(?:(?:the|our)\s+(?:project|projects|team|group|community|foundation|company|"
    r"organi[sz]ation|maintainers|committee|board|council)|we)\s*$"
)
# A person asked in the meeting to explain something did that in the meeting.
_IN_MEETING = frozenset({"recap", "explain", "introduce", "clarify", "elaborate", "describe"})
_VERB = compile_lazily(r"[A-Za-z][\w-]*")
_GERUND = compile_lazily(r"\s+\w+ing\b")
_LEADING_LABEL = compile_lazily(r"^\s*(?P<label>[^:;,.]{1,40}?)\s*:\s+(?=\S)")
# "Kevin, Maria: write the post": several names label the line only when all are names.
_NAMES_LABEL = compile_lazily(r"^\s*(?P<label>[^:;.]{1,60}?,[^:;.]{1,60}?)\s*:\s+(?=\S)")
# A speaker written as a tag, as HackMD signs a line: "[name=Olivier] I will review it".
# HackMD's "[name=Ana]" and an IRC log's "<ana>" before what the person said.
SPEAKER_TAG = compile_lazily(r"^\s*(?:\[name=(?P<name>[^\]\n]{1,40})\]|<(?P<nick>[\w.|-]{1,30})>)\s*")
# "kt: after the call I'll share it": a label followed by first-person speech is a speaker,
# known or not; the words labels are usually written with are not.
_FIRST_PERSON = compile_lazily(r"(?:[\w ,]{0,30}?\s)?I(?:['’](?:ll|m|d|ve))?\s")
_NICK = compile_lazily(r"^[^\W\d_][\w.|-]{0,19}$")
_LABEL_WORDS = wordset(
    """
    note notes decision decisions status update updates action actions todo question answer
    agenda summary topic re fyi edit context proposal outcome result results next idea comment
    aside reminder background issue problem goal plan request response reply
    """
)
_DASH_LABEL = compile_lazily(r"^\s*(?P<label>[^\W\d_][\w'’ .-]{0,30}?)\s+[-–—]\s+(?=\S)")
_COORDINATED = compile_lazily(r"(?:\band(?:\s+then)?|\bbut|\bthen|,)\s*$", re.I)
# After a subordinate clause, a comma does not join two things one person does.
_SUBORDINATE = compile_lazily(r"\b(?:that|when|if|because|since|which|who|unless|whether|once)\b", re.I)
# "so I can formulate …", "if Alice will …": a purpose or condition commits nobody.
_PURPOSE = compile_lazily(r"\b(?:so(?:\s+that)?|if|when|unless|whether|because|where)\s*$", re.I)
# "Then after that, " before "X to do Y": a few words that set the scene, then a comma.
# "When you configure this, Dependabot will send PRs": what happens under a condition.
_CONDITION = compile_lazily(r"^\W*(?:when|whenever|if|unless|as soon as)\b[^,;:]{0,100},\s*$", re.I)
_NEED_TRIGGER = compile_lazily(r"(?:\S+\s+)?(?:still\s+)?needs?\s+to$", re.I)
_DETERMINER_BEFORE = compile_lazily(r"\b(?:the|a|an|each|every|any|this|that)\s+$", re.I)
_INTRODUCTION = compile_lazily(r"^(?:[A-Za-z]+\s+){0,3}[A-Za-z]+,\s*$")
_JOINED = compile_lazily(r"(?:,|\band)$")
_CONTRAST = compile_lazily(r",\s*but$")
# What someone does in or around the meeting itself, and figures of speech: no work after it.
_IN_THE_MEETING = compile_lazily(
    r"^(?:chair|moderate|facilitate|scribe|take\s+minutes)"
    r"(?:\s+(?:the|this|today's|next)\s+(?:meeting|call|session))?\s*$"
    r"|^drop\s+(?:in|by|off)\b|^step\s+out\b"
    r"|^(?:join|leave|arrive)\s+(?:(?:the\s+)?(?:call|meeting)\s+)?(?:late|later|early)\b"
    r"|^be\s+(?:late|away|absent|out\s+of\s+(?:the\s+)?office|on\s+(?:leave|vacation|holiday))\b"
    r"|^go\s+(?:one\s+step\s+)?further\b",
    re.I,
)
# A group going on with how it works: "we will keep using the mailing list".
_PRACTICE = compile_lazily(
    r"^(?:keep|continue)\s+(?:to\s+)?(?:using|use|holding|hold|meeting|meet|having|have)\b", re.I
)
_ROLE_TASK = compile_lazily(
    r"^(?:serve|act|be|remain|stay)\s+as\s+(?:the\s+)?(?P<role>[\w-]+)|^take\s+(?:the\s+)?notes\b",
    re.I,
)


@dataclass(frozen=True)
class Commitment:
    """Someone's task found in a sentence.

    `owners` are names as written, `()` for a group or nobody in particular; `start` is
    where the commitment's clause begins in the sentence and `task` its words from the
    verb on.
    """

    owners: tuple[str, ...]
    task: str
    start: int
    kind: str


@dataclass
class Memory:
    """Who recent sentences were about, so that "he", "they" and "Will …" resolve."""

    subject: tuple[str, ...] = ()
    last_sentence: str = ""  # whose people "they" may mean
    recent: tuple[str, ...] = ()  # the last few people sentences were about, for "both"
    thing: str = ""  # the PR or issue last named, for "review it"
    thing_owner: str | None = None  # whose it is, when the minutes said ("Zoë … her PR")
    need: str = ""  # a task nobody has taken yet ("someone needs to update the docs")


@dataclass(frozen=True)
class Voice:
    """Whose words a sentence is: a speaker label, or the owner a bullet inherits."""

    speaker: tuple[str, ...] | None = None
    inherited: tuple[str, ...] | None = None
    opens_block: bool = False


@dataclass
class _Reading:
    """A sentence being read: its text (labels removed) and what is known of it."""

    text: str
    offset: int
    people: People
    memory: Memory
    voice: Voice
    opening: tuple[str, ...] | None = None
    first: int = 0  # where the first word starts: nothing before it means a clause opens
    passives: list[Commitment] = field(default_factory=list)
    found: list[tuple[int, int, tuple[str, ...], str]] = field(default_factory=list)


def read_commitments(
    sentence: str, people: People, memory: Memory, voice: Voice
) -> list[Commitment]:
    """Every commitment in `sentence`, in order; `memory` learns who the sentence was about."""
    text, offset, speaker = strip_labels(sentence, people)
    if speaker is not None:
        voice = Voice(speaker, voice.inherited, voice.opens_block)
    reading = _Reading(text, offset, people, memory, voice, first=len(text) - len(text.lstrip()))
    opening = subject_at_start(text, people)
    if opening is not None:
        reading.opening = _resolve(opening, reading)
    if text.rstrip(" *_").endswith("?"):
        _remember(reading, [])
        return []  # a question commits nobody
    for match in _triggers(text):
        if not reading.found or match.start() >= reading.found[-1][1]:
            _consider(match, reading)
    commitments = sorted(_commitments(reading) + reading.passives, key=lambda c: c.start)
    _remember(reading, commitments)
    return commitments


def _triggers(text: str) -> Iterator[re.Match[str]]:
    """The matches of _TRIGGER, as finditer gives them, tried only where a word it can start
    with begins: looking words up in a set is many times cheaper than trying every form at
    every position."""
    end = 0
    for word in _WORD.finditer(text):
        lowered = word.group(0).lower()
        if lowered in _FIRST_WORDS:
            position = word.start()
        elif "'" in lowered or "’" in lowered:
            position = word.start() + max(lowered.find("'"), lowered.find("’"))  # "I'll"
        else:
            continue
        if position < end:
            continue
        match = _TRIGGER.match(text, position)
        if match is not None:
            end = match.end()
            yield match


def strip_labels(sentence: str, people: People) -> tuple[str, int, tuple[str, ...] | None]:
    """Drop "Decision:" or "**Status:**" labels; a label that names a person is the speaker."""
    text, offset = sentence, 0
    speaker: tuple[str, ...] | None = None
    tag = SPEAKER_TAG.match(sentence)
    if tag is not None:
        speaker = ((tag.group("name") or tag.group("nick")).strip(),)
        text, offset = sentence[tag.end() :], tag.end()
    if (
        ":" not in text[:48]
        and " -" not in text[:36]
        and "–" not in text[:36]
        and "—" not in text[:36]
    ):
        return text, offset, speaker
    for _ in range(2):
        leading = _LEADING_LABEL.match(text)
        match = leading or _DASH_LABEL.match(text) or _NAMES_LABEL.match(text)
        if not match:
            break
        label = match.group("label").strip(" *_")
        who = subject_before(label, len(label), people.in_label_slot)
        if who is not None and who.start == 0 and who.pronoun is None:
            speaker = tuple(u.text for u in who.units if u.kind != "group")
        elif _speaks_in_first_person(label, text[match.end() :]):
            speaker = (label,)
        elif match is not leading or not _is_label(label):
            break
        text, offset = text[match.end() :], offset + match.end()
    return text, offset, speaker


def _speaks_in_first_person(label: str, rest: str) -> bool:
    return (
        bool(_NICK.match(label))
        and label.lower() not in _LABEL_WORDS
        and bool(_FIRST_PERSON.match(rest))
    )


def _is_label(words: str) -> bool:
    """ "Decision", "Next Step", "Mitigation for (1)", "Testing Request & Recommendation" label
    what follows; "Hiroshi presented the numbers" opens a sentence."""
    tokens = words.split()
    if len(tokens) <= 3:
        return True
    return len(tokens) <= 5 and all(
        t[:1].isupper() or not t[:1].isalpha() or len(t) <= 3 for t in tokens
    )


def _consider(match: re.Match[str], reading: _Reading) -> None:
    kind = match.lastgroup or ""
    if kind in ("offer_with", "obj"):
        kind = "offer" if match.group("offer") else "ask"
    if kind == "ask":
        _consider_ask(match, reading)
        return
    if kind in ("passive", "participle"):
        _consider_passive(match, reading)
        return
    if (
        kind == "to"
        and match.start() - reading.first > 80
        and ";" not in _window(reading.text, match.start(), 80)
        and not _follows_to_clause(reading)
    ):
        return  # "X to do Y" opens its clause, so X is never far from where the clause opens
    if kind == "offer":  # "offered help with X": the task is to help with X
        verb_at: int | None = (
            match.start("offer_with") if match.group("offer_with") else match.end()
        )
    elif kind == "please" and (everyone := _PLEASE_ALL.match(reading.text, match.start())):
        verb_at = _verb_after(reading.text, everyone.end())  # "please everyone read it"
    else:
        verb_at = _verb_after(reading.text, match.end())
    if verb_at is None or _NEGATED_BEFORE.search(_window(reading.text, match.start(), 12)):
        return
    if kind == "plan" and _NOUN_BEFORE.search(_window(reading.text, match.start(), 8)):
        return  # "the need to convince …" names a need, it commits nobody
    # "X to do Y" opens clauses with adjectives too ("Ready to merge"): there a name needs
    # more than its capital.
    people = reading.people.in_subject_slot
    if kind == "to" and not _task_opens_line(reading, match.start(), verb_at):
        people = reading.people
    before = match.start()
    if kind == "please":  # "Everyone, please …": the addressee before a comma
        before = len(_window(reading.text, before, 3).rstrip().rstrip(",")) + max(0, before - 3)
    subject = subject_before(reading.text, before, people)
    owners = _owners(kind, match, subject, reading)
    if owners is None:
        return
    start = subject.start if subject is not None else match.start()
    name = _kind_name(kind, match)
    if (
        subject is None
        and reading.found
        and owners == reading.found[-1][2]
        and _after_and(reading, match.start())
    ):
        name = "continued"  # "… and then will send" goes on with the same task
    reading.found.append((start, verb_at, owners, name))


def _consider_ask(match: re.Match[str], reading: _Reading) -> None:
    """ "Jörg asked Carlos to make sure …": the task is Carlos's."""
    verb_at = _verb_after(reading.text, match.end())
    obj_end = match.start("obj") + len(match.group("obj"))
    asked = subject_before(reading.text, obj_end, reading.people, opens=False)
    if verb_at is None or asked is None or asked.start != match.start("obj"):
        return
    verb = reading.text[verb_at:].split(None, 1)[0].lower()
    if verb in _IN_MEETING and match.group("ask").endswith("ed"):
        return
    if _nobody_in_particular(asked):
        return  # "asked reviewers to look at it": whoever accepts owns it
    owners = _resolve(asked, reading)
    if owners is not None:
        reading.found.append((match.start(), verb_at, owners, "asked"))


def _nobody_in_particular(subject: Subject) -> bool:
    unit = subject.units[0]
    return (
        len(subject.units) == 1
        and unit.kind == "role"
        and unit.text.islower()
        and unit.text.endswith("s")
    )


def _consider_passive(match: re.Match[str], reading: _Reading) -> None:
    """ "The old PR will be closed by Max": Max closes the old PR."""
    verb = base_form(match.group("participle"))
    agent_at = match.end()
    words = re.match(r"\s*((?:@?[\w'’-]+\s*){1,4})", reading.text[agent_at:])
    if verb is None or words is None:
        return
    agent = _agent(words.group(1).strip(), reading)
    thing = re.split(r"[;:]", reading.text[: match.start()])[-1].strip(" ,")
    if agent is None or not thing or len(thing.split()) > 12:
        return
    start = match.start() - len(reading.text[: match.start()].split(";")[-1])
    task = f"{verb} {lowered_determiner(thing)}"
    reading.passives.append(Commitment(agent, task, max(start, 0) + reading.offset, "will"))


def lowered_determiner(phrase: str) -> str:
    """ "The old PR" inside a task reads "the old PR"."""
    first, _, rest = phrase.partition(" ")
    return (
        f"{first.lower()} {rest}" if first in ("The", "A", "An", "This", "That", "Our") else phrase
    )


def _agent(words: str, reading: _Reading) -> tuple[str, ...] | None:
    """The longest run of the words after "by" that names people."""
    tokens = words.split()
    for size in range(len(tokens), 0, -1):
        text = " ".join(tokens[:size]).rstrip(".,")
        found = subject_before(text, len(text), reading.people, opens=False)
        if found is not None and found.start == 0 and found.pronoun is None:
            return _resolve(found, reading)
    return None


def base_form(participle: str) -> str | None:
    """ "closed" -> "close", "planned" -> "plan", "written" -> "write"."""
    word = participle.lower()
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if not word.endswith("ed") or len(word) < 4:
        return None
    stem = word[:-3] + "y" if word.endswith("ied") else word[:-2]
    if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
        return stem[:-1]
    return stem + "e" if stem + "e" in TASK_VERBS else stem


_IRREGULAR = {
    "written": "write", "done": "do", "taken": "take", "given": "give", "sent": "send",
    "made": "make", "run": "run", "led": "lead", "shown": "show", "built": "build",
    "held": "hold", "set": "set", "put": "put", "cut": "cut", "kept": "keep", "brought": "bring",
    "found": "find", "drawn": "draw", "chosen": "choose", "spun": "spin", "begun": "begin",
    "driven": "drive", "read": "read", "shared": "share", "split": "split", "rewritten": "rewrite",
}  # fmt: skip


def _owners(
    kind: str, match: re.Match[str], subject: Subject | None, reading: _Reading
) -> tuple[str, ...] | None:
    """Who commits: the subject resolved, or for a subjectless clause whoever speaks."""
    if subject is None:
        return _implicit_owner(kind, match.start(), reading)
    before = reading.text[reading.first : subject.start]
    if _PURPOSE.search(_window(reading.text, subject.start, 10)) or _CONDITION.match(before):
        return None
    pronoun = subject.pronoun
    groups = [u for u in subject.units if u.kind == "group"]
    if kind == "plan" and _NEED_TRIGGER.match(match.group(0)) and _requirement(subject, reading):
        return None  # "the RP needs to opt in" states what is required, of nobody in particular
    if kind == "would" and not _SPEECH_BEFORE.search(_window(reading.text, subject.start, 40)):
        return None
    if kind == "to" and not _opens_clause(reading, subject.start):
        return None  # "X to do Y" opens its clause: "talk to Simon" is no commitment
    if kind == "can" and pronoun != "i":
        return None
    if kind == "please":  # "Everyone, please try the tag": a request to all who hear it
        return () if groups else None
    if groups and (
        kind in ("plan", "can") or (kind == "will" and not _we_commit(subject, reading))
    ):
        return None
    if groups and kind == "must" and subject.units[0].text == "we":
        return None  # "we should launch ASAP" is an opinion; "everyone should comment" a request
    return _resolve(subject, reading)


def _requirement(subject: Subject, reading: _Reading) -> bool:
    """A group, a role or a thing introduced by "the", "each", "every" … before "needs to"."""
    if any(u.kind in ("group", "role") for u in subject.units):
        return True
    return bool(_DETERMINER_BEFORE.search(_window(reading.text, subject.start, 8)))


def _we_commit(subject: Subject, reading: _Reading) -> bool:
    """ "We'll drop v14 support" opening a bullet commits the group; mid-paragraph it reports."""
    if subject.units[0].text != "we":
        return True
    return reading.voice.opens_block and subject.start == 0 and reading.offset == 0


def _implicit_owner(kind: str, position: int, reading: _Reading) -> tuple[str, ...] | None:
    """A clause with no subject: "Will check …" belongs to the speaker or the person the
    bullet is about, "… and will post" to the sentence's subject."""
    if kind in ("to", "can", "would", "must"):
        return None
    if kind == "please":  # only a group label asks everybody; "Alice: please …" asks others
        if _PLEASE_ALL.match(reading.text, position):
            return ()  # "Please everyone read the draft"
        return () if position <= reading.first and reading.voice.speaker == () else None
    if position <= reading.first:
        voice = reading.voice
        return voice.speaker if voice.speaker is not None else voice.inherited
    window = _window(reading.text, position, 40)
    said = _SAID_SUBJECT.search(window)
    if said is not None:
        speaker = subject_before(
            reading.text, position - len(window) + said.start(), reading.people
        )
        return _resolve(speaker, reading) if speaker is not None else _sentence_owner(reading)
    coordinated = _COORDINATED.search(window[-12:])
    if coordinated and (
        coordinated.group(0).strip() != "," or not _SUBORDINATE.search(reading.text[:position])
    ):
        if reading.found:
            return reading.found[-1][2]
        return _sentence_owner(reading)
    return None


def _sentence_owner(reading: _Reading) -> tuple[str, ...] | None:
    """Whom the sentence is about: its opening subject, else its speaker."""
    return reading.opening or reading.voice.speaker or reading.voice.inherited


def _after_and(reading: _Reading, position: int) -> bool:
    return bool(_AND_BEFORE.search(_window(reading.text, position, 12)))


def _window(text: str, end: int, width: int) -> str:
    """The `width` characters before `end`: look-behinds stay cheap in long sentences."""
    return text[max(0, end - width) : end]


def _opens_clause(reading: _Reading, position: int) -> bool:
    """Whether a subject at `position` opens a clause of "X to do Y": at the start, after a
    short opening phrase ("Then after that, Alexios to …"), after ";" or ", but", or joined
    to an earlier "X to" by "and" ("Brett to email Barry and Thomas to help")."""
    before = reading.text[reading.first : position]
    if position <= reading.first or _INTRODUCTION.match(before):
        return True
    window = _window(reading.text, position, 6).rstrip()
    if window.endswith(";") or _CONTRAST.search(window):
        return True  # "not known yet, but Darja to keep the board informed"
    return bool(_JOINED.search(window)) and _follows_to_clause(reading)


def _task_opens_line(reading: _Reading, position: int, verb_at: int) -> bool:
    """ "Andy to merge and call for a vote": a word or two, then "to" and a verb of doing,
    opening the line, is an owner and a task, as "Andy will merge" would be."""
    before = reading.text[reading.first : position].split()
    verb = reading.text[verb_at:].split(None, 1)[0].lower() if verb_at < len(reading.text) else ""
    return 1 <= len(before) <= 3 and _is_task_verb(verb)


def _follows_to_clause(reading: _Reading) -> bool:
    return bool(reading.found) and reading.found[-1][3] == "to"


def _resolve(subject: Subject, reading: _Reading) -> tuple[str, ...] | None:
    """Names for a subject; a pronoun takes the people the minutes were just about."""
    pronoun = subject.pronoun
    if pronoun is None:
        if any(u.kind == "group" for u in subject.units):
            return ()
        return tuple(u.text for u in subject.units)
    memory = reading.memory
    recent = reading.opening if reading.opening and subject.start > 0 else memory.subject
    if pronoun == "i":
        return reading.voice.speaker or reading.voice.inherited
    speaker = _reporter(reading, subject.start)
    if speaker is not None and pronoun in ("he", "she", "they"):
        return speaker  # "Stefano said he would investigate": Stefano
    if pronoun in ("he", "she"):
        return recent[:1] or None
    if pronoun == "both":
        return memory.recent[-2:] if len(memory.recent) >= 2 else None
    if len(recent) > 1:
        return recent
    mentioned = _people_named(memory.last_sentence, reading.people)
    return mentioned if len(mentioned) > 1 else (recent or None)


def _reporter(reading: _Reading, position: int) -> tuple[str, ...] | None:
    """The one person whose words a pronoun at `position` opens: "Trevis said they would …"
    is Trevis's promise, whoever the sentence named before."""
    window = _window(reading.text, position, 40)
    said = _SPEECH_BEFORE.search(window)
    if said is None:
        return None
    speaker = subject_before(reading.text, position - len(window) + said.start(), reading.people)
    if speaker is None or speaker.pronoun is not None or len(speaker.units) != 1:
        return None
    unit = speaker.units[0]
    return (unit.text,) if unit.kind == "person" else None


def _verb_after(text: str, position: int) -> int | None:
    """Where the verb of doing after `position` starts, skipping "also", "try to", "be …ing"."""
    rest = text[position:]
    if _NEGATION.match(rest):
        return None
    cursor = position
    for _ in range(6):
        match = _VERB.search(text, cursor, cursor + 40)
        if match is None or text[cursor : match.start()].strip(" ,\"“”'‘"):
            return None
        word = match.group(0).lower()
        if word in _HEDGE_ADVERBS:
            return None
        # "will also try to …", "will be able to …", "will have to …", "will need to …"
        filler = word in ("try", "able", "have", "need") and text.startswith(" to ", match.end())
        if word in ADVERBS or word in ("to", "be") or filler:
            cursor = match.end()
            able = text.startswith(" able to ", cursor)  # "should be able to bump it"
            if word == "be" and not (_GERUND.match(text, cursor) or able):
                return None
            continue
        if _is_verb(word, match.group(0)):
            return match.start()
        return None
    return None


def _is_verb(word: str, written: str) -> bool:
    """After "will" or "agreed to" any word is the verb but for the closed classes of English
    and verbs of being, wanting or seeing; a capitalised word is a name, not a verb."""
    if _is_task_verb(word):
        return True
    return (
        len(word) > 1
        and written[:1].islower()
        and word not in NOT_VERBS
        and not word.endswith(("ed", "ly"))
    )


def _is_task_verb(word: str) -> bool:
    if word.endswith("ing") and (word[:-3] in TASK_VERBS or word[:-3] + "e" in TASK_VERBS):
        return True  # "will be working on" after "be"
    base = word[3:] if word.startswith("re-") else word
    return (
        word in TASK_VERBS
        or base in TASK_VERBS
        or (word.startswith("re") and word[2:] in TASK_VERBS)
    )


def _kind_name(kind: str, match: re.Match[str]) -> str:
    if kind == "commit":
        return "agreed_to"
    if kind in ("will", "would", "going") and "said" in match.string[: match.start()][-40:]:
        return "said_would"
    return kind


def _commitments(reading: _Reading) -> list[Commitment]:
    """Turn the clauses found into commitments whose tasks end where the next clause starts;
    a clause that only goes on with the same task ("… and then will send") stays in it."""
    found = sorted(reading.found)
    ends, end = [0] * len(found), len(reading.text)
    for position in range(len(found) - 1, -1, -1):
        ends[position] = end
        if found[position][3] != "continued":
            end = found[position][0]
    result: list[Commitment] = []
    for position, (start, verb_at, owners, kind) in enumerate(found):
        if kind == "continued" and result:
            continue
        task = _clean_task(_bounded(reading.text, verb_at, ends[position]), kind)
        if not task or _HEDGES.search(task) or _is_meeting_role(task):
            continue
        if not owners and _PRACTICE.match(task):
            continue  # "we will keep using the mailing list" goes on as before
        for part in _several_tasks(task):
            result.append(Commitment(owners, part, start + reading.offset, kind))
    return result


_AND_TO = compile_lazily(r",?\s+and\s+(?:also\s+)?to\s+(?=([a-z]+)\b)")


def _several_tasks(task: str) -> list[str]:
    """ "update the docs and to file the issue": one volunteer, two tasks."""
    parts, start = [], 0
    for match in _AND_TO.finditer(task):
        # "prepare notes to share … and to publish": the second "to" goes on with a purpose
        if " to " in f" {task[start : match.start()]} ":
            break
        # "help and to coordinate by …" is one task: the first needs words of its own
        if _is_task_verb(match.group(1)) and len(task[start : match.start()].split()) >= 2:
            parts.append(task[start : match.start()])
            start = match.end()
    return [*parts, task[start:]] if parts else [task]


# A task runs to where the next clause starts; in minutes that never stop a sentence, that
# may be pages later. A task is a line's worth of words, so it ends there at the latest:
# each item then costs the same, however long the sentence it sits in.
MAX_TASK = 300


def _bounded(text: str, start: int, end: int) -> str:
    if end - start <= MAX_TASK:
        return text[start:end]
    cut = text.rfind(" ", start, start + MAX_TASK)
    return text[start : cut if cut > start else start + MAX_TASK]


def _clean_task(task: str, kind: str) -> str:
    task = task.split(";")[0]
    task = _TRAILING_JOIN.sub("", task.strip()).strip(" ,.")
    first, _, rest = task.partition(" ")
    base = _base_of_gerund(first)
    if base is not None:  # "will be working on", "committed to asking": the task is to work
        task = f"{base} {rest}".rstrip()
    if kind == "offer":
        task = "help" + (" " + task if task else "")
    return task


def _base_of_gerund(word: str) -> str | None:
    """ "working" -> "work", "writing" -> "write", "running" -> "run"; None for other words."""
    if not word.endswith("ing") or len(word) < 5 or not word.islower():
        return None
    stem = word[:-3]
    for base in (stem, stem + "e", stem[:-1]):
        if base in TASK_VERBS and (base != stem[:-1] or stem[-1] == stem[-2]):
            return base
    return None


def _is_meeting_role(task: str) -> bool:
    """ "serve as notetaker for this meeting", "chair", "drop in later": a part in the meeting
    itself, not work after it."""
    if _IN_THE_MEETING.match(task):
        return True
    match = _ROLE_TASK.match(task)
    if match is None:
        return False
    return match.group("role") is None or match.group("role").lower() in MEETING_ROLES


def _remember(reading: _Reading, commitments: list[Commitment]) -> None:
    memory = reading.memory
    if reading.opening:
        memory.subject = reading.opening
    elif commitments and commitments[0].owners:
        memory.subject = commitments[0].owners
    if reading.opening:
        memory.recent = _recent(memory.recent, reading.opening)
    memory.last_sentence = reading.text


def _recent(recent: tuple[str, ...], named: tuple[str, ...]) -> tuple[str, ...]:
    """The last four people, each once ("Jörg" and "Jörg Rödel" are one)."""
    people = list(recent)
    for name in named:
        first = name.split()[0]
        same = [p for p in people if p.split()[0] == first]
        for known in same:
            people.remove(known)
        people.append(max([name, *same], key=len))
    return tuple(people[-4:])


_POSSESSIVE = compile_lazily(r"['’]s$")
_TRAILING_JOIN = compile_lazily(r"(?:[,;]\s*)?(?:\band\b|\bbut\b|\bso\b)?\s*$")
_CAPITALISED = compile_lazily(r"@[\w-]+|\b[A-ZÀ-ÞĀ-Ž][\w'’-]+(?:\s+[A-ZÀ-ÞĀ-Ž][\w'’-]+)?")


def _people_named(sentence: str, people: People) -> tuple[str, ...]:
    """People named anywhere in a sentence, possessives included ("Peter Fang's PR")."""
    names: list[str] = []
    for match in _CAPITALISED.finditer(sentence):
        name = _POSSESSIVE.sub("", match.group(0)).lstrip("@")
        if name not in names and people.is_person(name):
            names.append(name)
    return tuple(names)
