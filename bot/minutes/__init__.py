"""Reading minutes: Markdown in, action items out. Pure: no I/O, no clock, no network.

How a file is read (`extract.extract_minutes`):

1. `document` parses the Markdown once (markdown-it) into blocks: headings (and bold or
   "Label:" lines, which head what follows), list items with their parents, paragraphs,
   table rows with their header. `meta` reads the meeting's date, the next meeting and the
   attendees; `names` learns who the people of the file are.
2. Two finders read the blocks, each on its own cues.

   - `explicit` takes what the minutes mark as work. Each mark counts alone, at any bullet
     depth and in any list style: an action heading or label (a heading, a bold line, a
     lead-in line, a parent bullet), an open checkbox, a marker (`ACTION:`, `AI:`,
     `TODO(x):`), an owner label (`Name: task`, `task (Name)`, `@handle`), a table's owner
     column or action column, a one-column table under an action heading. Under a mark,
     an entry is an item when it is marked outright, names its owner, or opens with a verb.
   - `narrative` (with `clauses` and `names`) reads prose sentence by sentence for a
     commitment: a subject that names people ("Ana", "Ana and Bo", "he" resolved to the
     last person named, a speaker's "I") and a committing form after it ("will",
     "agreed to", "was asked to", "plans to", "X to do Y", "is going to", "on my list").

3. Vetoes, each one cue: a roll call ("Attendees", and the groups listed after it), a
   review of earlier actions, ticked or struck-out entries and "— done", decisions (a
   "Decision:" label or a list introduced as decisions), questions, conditions, hedges,
   negations, in-meeting roles, and when something starts or recurs (no deadline).
4. Combining: the explicit entries come first; a prose item that an entry of the same
   owners restates (same task in other words, opening with the same verb) is dropped, so
   a task said in the discussion and again in the action list is one item. An entry that a
   later entry repeats (the closing list) is one item too.
5. Each item then gets its due date from `dates` (only a phrase that is the task's own
   deadline), its references from `refs`, and a title from `titles`.

Every rule states one shape of English or Markdown; `tests/test_eval_robust.py` rewrites
the labelled minutes into other shapes of the same content and holds the score steady.
Each item reads only the text near its own clause, so a file is read in time linear in
its length (`tests/test_extract_linear.py`).
"""
