"""The seed's three guardrails, seeded active by migration 0003 and used when Firestore is down."""

from __future__ import annotations

from shared.guardrails.model import Guardrail

DEFAULT_GUARDRAILS: dict[str, Guardrail] = {
    guardrail.name: guardrail
    for guardrail in (
        Guardrail(
            name="pii_detection",
            type="pii_detection",
            description="Detects emails, phone numbers, card and account numbers, national ids, "
            "IP addresses and secrets, and replaces them with typed placeholders.",
            threshold=0.5,
            action="redact",
            surfaces=["input_variables", "rendered_prompt", "response"],
            fail_mode="open",
            config={
                "entities": [
                    "EMAIL",
                    "PHONE",
                    "CREDIT_CARD",
                    "IBAN",
                    "NATIONAL_ID",
                    "IP_ADDRESS",
                    "SECRET",
                ]
            },
        ),
        Guardrail(
            name="toxic_content_filter",
            type="toxic_content_filter",
            description="Blocks abusive, hateful or sexual content in student input and in "
            "model output.",
            threshold=0.7,
            action="block",
            surfaces=["input_variables", "response"],
            fail_mode="open",
        ),
        Guardrail(
            name="prompt_injection_guard",
            type="prompt_injection_guard",
            description="Blocks attempts to override instructions, reveal the system prompt or "
            "smuggle chat-template tokens through variables.",
            threshold=0.8,
            action="block",
            surfaces=["input_variables"],
            fail_mode="closed",
        ),
    )
}
