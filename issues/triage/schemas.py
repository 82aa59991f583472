"""What the LLM must answer when triaging an issue (a strict JSON schema is derived from it)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from issues.choices import IssuePriority, IssueType

# The enumerations of issues/choices.py, as the types the JSON schema's enums are made from.
IssueTypeValue = Literal[tuple(IssueType.values)]
IssuePriorityValue = Literal[tuple(IssuePriority.values)]


class DuplicateCandidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(description="Number of a similar open issue listed in the prompt.")
    reason: str = Field(description="Why it is likely the same problem, in one sentence.")


class TriageOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: IssueTypeValue
    priority: IssuePriorityValue
    labels: list[str] = Field(description="Names of labels of this project that apply; only from the list given.")
    summary: str = Field(description="One paragraph: what the reporter needs and why it matters.")
    confidence: float = Field(ge=0, le=1, description="0 to 1: how sure you are of type, priority and labels.")
    duplicates: list[DuplicateCandidate] = Field(description="Likely duplicates among the similar issues; often none.")
    questions: list[str] = Field(description="Questions for the reporter when information is missing; often none.")
