"""The answerer contract (``AnswererContract``): whichever answerer writes the reply — the trained
reader, or an LLM whose reply is checked — an answer cites exact document text, numbers its
citations, and says plainly when the documents do not answer."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import replace
from http.server import ThreadingHTTPServer

import pytest
from test_llm import Handler, Scripted

from assistant.answer.messages import NOT_FOUND
from assistant.evaluate import CitationChecker
from assistant.settings import LLMSettings

ANSWERABLE = "How much will be invested in bioeconomy research?"
UNANSWERABLE = "How many penguins live in Antarctica?"


class AnswererContract:
    """Subclasses provide ``bot``: an ``Assistant`` over the bundled corpus that answers their way."""

    answerer = "reader"

    def test_an_answer_quotes_exact_document_text(self, bot):
        ans = bot.ask(ANSWERABLE)
        assert ans.grounded and ans.answerer == self.answerer and "$10 million" in ans.text
        assert ans.citations
        checker = CitationChecker(bot.corpus_dir)
        try:
            for c in ans.citations:
                assert checker.valid(c.source, c.start, c.end, c.quote), c
        finally:
            checker.close()

    def test_citation_numbers_match_the_markers(self, bot):
        ans = bot.ask(ANSWERABLE)
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", ans.text)}
        assert markers == {c.n for c in ans.citations} == set(range(1, len(ans.citations) + 1))

    def test_no_answer_is_said_plainly_with_no_citation(self, bot):
        ans = bot.ask(UNANSWERABLE)
        assert not ans.grounded and not ans.citations and ans.text.startswith(NOT_FOUND)

    def test_an_empty_question_is_not_answered(self, bot):
        ans = bot.ask("   ")
        assert not ans.grounded and not ans.citations

    def test_the_answer_is_json(self, bot):
        d = json.loads(json.dumps(bot.ask(ANSWERABLE).to_dict()))
        assert {"text", "short", "grounded", "confidence", "citations", "related", "answerer", "note"} <= set(d)


class TestReaderAnswerer(AnswererContract):
    answerer = "reader"

    @pytest.fixture
    def bot(self, seed_bot):
        return seed_bot


class _Cites(Handler):
    """An OpenAI-compatible server that cites passage 1, or says NOT FOUND for the penguin question."""

    def reply(self, request: dict) -> str:
        question = request["messages"][-1]["content"]
        return "NOT FOUND" if "penguins" in question else "Bioeconomy research cooperation gets at least $10 million [1]."


class TestLLMAnswerer(AnswererContract):
    answerer = "llm"

    @pytest.fixture
    def bot(self, seed_bot):
        Scripted.status, Scripted.delay = 200, 0.0
        srv = ThreadingHTTPServer(("127.0.0.1", 0), _Cites)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        before = seed_bot.settings
        seed_bot.settings = replace(before, llm=LLMSettings(url=f"http://127.0.0.1:{srv.server_address[1]}/v1", timeout_s=10))
        try:
            yield seed_bot
        finally:
            seed_bot.settings = before
            srv.shutdown()
