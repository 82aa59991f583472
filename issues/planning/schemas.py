"""What the LLM must answer when planning an issue."""

from pydantic import BaseModel, ConfigDict, Field


class PlannedTask(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=300, description="Short imperative title.")
    description: str = Field(description="What to do and how to know it is done.")
    estimated_hours: float = Field(ge=0, le=1000, description="Estimate in hours.")


class PlanOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[PlannedTask] = Field(min_length=1, max_length=30, description="Tasks in the order to do them.")
    risks: list[str] = Field(description="What could go wrong or is unknown; often a few lines.")
