"""The classroom: students negotiate at tables in the browser, the instructor watches and debriefs.

* ``table``: a table where students hold some seats, rebuilt by replaying their moves (deterministic);
* ``seat``: one student against the simulated others, in memory (``Classroom``; notebooks, the app's seat);
* ``debrief``: scores against the walk-away values, the Nash and Kalai-Smorodinsky deals and the simulated
  negotiator; the class figure; the transcript;
* ``briefs``: the public brief and each seat's confidential brief, from any scenario;
* ``store``: classes, seats, moves, transcripts and outcomes in SQLite;
* ``service``: classes and their tables for the app (join codes, the instructor's token, round clocks);
* ``export``: ``bargaining class export``.
"""

from .debrief import Score, score_seat
from .seat import Classroom, play_hints
from .table import ClassroomError, Move, Request, Table

__all__ = ["Classroom", "ClassroomError", "Move", "Request", "Score", "Table", "play_hints", "score_seat"]
