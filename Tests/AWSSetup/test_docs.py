"""docs/aws-setup.md shows the template's policy character for character, and explains every action in it."""
import json
import re

from harness_cfn import REPOSITORY, Rendering, load_template, policy_actions

DOC = REPOSITORY / "docs" / "aws-setup.md"
MARKER = "<!-- aws-setup: controller policy -->"


def documented_policy(text):
    match = re.search(re.escape(MARKER) + r"\n```json\n(.*?)\n```", text, re.S)
    assert match, f"{DOC.name} has no JSON block after {MARKER}"
    return match.group(1)


def test_the_documented_policy_is_the_templates():
    rendering = Rendering(load_template(), region="REGION", account="ACCOUNT_ID", partition="aws")
    assert documented_policy(DOC.read_text()) == json.dumps(rendering.managed_policy(), indent=2)


def test_the_comparison_sees_a_one_character_change():
    text = DOC.read_text().replace('"sqs:DeleteMessage",', '"sqs:DeleteMessage" ,', 1)
    rendering = Rendering(load_template(), region="REGION", account="ACCOUNT_ID", partition="aws")
    assert documented_policy(text) != json.dumps(rendering.managed_policy(), indent=2)


def test_every_action_has_its_row():
    text = DOC.read_text()
    for action in policy_actions(Rendering(load_template()).managed_policy()):
        assert re.search(r"^\| `" + re.escape(action) + r"` \|", text, re.M), action


def test_the_documented_rules_are_the_templates():
    text = DOC.read_text()
    for name, rule in Rendering(load_template(), {"Name": "NAME"}).rules().items():
        row = re.search(r"^\| `" + re.escape(name) + r"` \| `([^`]*)` \|", text, re.M)
        assert row, name
        assert json.loads(row.group(1)) == rule["EventPattern"], name
