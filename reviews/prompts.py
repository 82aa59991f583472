"""Prompts and output schemas of the reviews app. The LLM's answer is data, checked against the diff."""

from typing import Literal

from pydantic import BaseModel, Field

from reviews.choices import Category, Severity

# The enumerations of reviews/choices.py, as the types the JSON schema's enums are made from.
SeverityName = Literal[tuple(Severity.values)]
CategoryName = Literal[tuple(Category.values)]


class FileFinding(BaseModel):
    line: int = Field(description="New-file line number shown at the left of the diff line.")
    severity: SeverityName
    category: CategoryName
    message: str = Field(description="What is wrong and how to fix it, in one or two sentences.")


class FileReviewOutput(BaseModel):
    summary: str = Field(description="One sentence on what the change to this file does.")
    findings: list[FileFinding]


class SnippetFinding(BaseModel):
    line: int = Field(description="1-based line number in the submitted code.")
    severity: SeverityName
    message: str


class SnippetReviewOutput(BaseModel):
    summary: str
    findings: list[SnippetFinding]


FILE_SYSTEM_PROMPT = """You review one file of a pull request.
You get the file's path and its diff hunks. Each line starts with its line number in the new
file (blank for removed lines), then "+" (added), "-" (removed) or " " (context).
Report only real problems in the added lines: bugs, security issues, performance traps,
missing error handling, confusing code. No praise, no restating the change, no nitpicks a
formatter would fix. Use the new-file line number of the line a finding is about. Return at
most 10 findings; none is a fine answer."""

SNIPPET_SYSTEM_PROMPT = """You review a code snippet submitted by a developer.
Each line starts with its 1-based line number. Report real problems: bugs, security issues,
performance traps, missing error handling, confusing code. Give a short overall summary.
Return at most 20 findings; none is a fine answer."""


def file_messages(*, path: str, numbered_diff: str) -> list[dict]:
    # Only the path and the hunks: the same change to the same file always makes the same
    # request, so the gateway's content-addressed cache answers it the second time.
    return [
        {"role": "system", "content": FILE_SYSTEM_PROMPT},
        {"role": "user", "content": f"Path: {path}\n\n{numbered_diff}"},
    ]


def snippet_messages(*, code: str, filename: str, language: str) -> list[dict]:
    numbered = "\n".join(f"{number:>5} {text}" for number, text in enumerate(code.splitlines(), start=1))
    header = f"File: {filename or '(none)'}\nLanguage: {language or '(not given)'}"
    return [
        {"role": "system", "content": SNIPPET_SYSTEM_PROMPT},
        {"role": "user", "content": f"{header}\n\n{numbered}"},
    ]
