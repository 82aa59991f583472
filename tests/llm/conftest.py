import pytest
from pydantic import BaseModel, Field


class Verdict(BaseModel):
    label: str = Field(description="One word")
    score: int


@pytest.fixture
def verdict_model():
    return Verdict
