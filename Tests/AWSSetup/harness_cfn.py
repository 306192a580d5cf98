"""The CloudFormation template, parsed by cfn-lint's own YAML decoder and rendered for given parameters.

`render` evaluates the template's Conditions and intrinsic functions the way CloudFormation does (AWS::NoValue
removes a list element or a key), with the names and ARNs AWS gives each resource type the template uses. The tests
check this rendering against moto's deployment of the same template wherever moto supports the resource, and use it
for the resources moto skips (the queue policy), for the documentation and for deploy/aws/setup.sh.
"""
import json
import pathlib
import re

from cfnlint.decode import cfn_yaml

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPOSITORY / "deploy" / "aws" / "node-termination-handler.yaml"
SETUP_SCRIPT = REPOSITORY / "deploy" / "aws" / "setup.sh"

NO_VALUE = object()


def load_template(path=TEMPLATE_PATH):
    """The template as plain JSON-like data (short-form tags become Fn:: keys)."""
    return json.loads(json.dumps(cfn_yaml.load(str(path))))


def partition_of(region):
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class Rendering:
    """The template rendered for one set of parameters, one region and one account."""

    def __init__(self, template, parameters=None, region="us-east-1", account="123456789012", partition=None):
        self.template = template
        self.region = region
        self.account = account
        self.partition = partition or partition_of(region)
        self.parameters = {}
        for name, declaration in template["Parameters"].items():
            value = (parameters or {}).get(name, declaration.get("Default"))
            if value is None:
                raise ValueError(f"parameter {name} has no value")
            if declaration["Type"] == "CommaDelimitedList":
                value = [item.strip() for item in str(value).split(",")] if value != "" else [""]
            else:
                value = str(value)
            self.parameters[name] = value
        unknown = set(parameters or {}) - set(template["Parameters"])
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}")
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.conditions = {}
        for name in template.get("Conditions", {}):
            self.condition(name)

    # Conditions

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = self._condition_value(self.template["Conditions"][name])
        return self.conditions[name]

    def _condition_value(self, value):
        if isinstance(value, dict) and len(value) == 1:
            (function, argument), = value.items()
            if function == "Condition":
                return self.condition(argument)
            if function == "Fn::Equals":
                left, right = (self.resolve(item) for item in argument)
                return left == right
            if function == "Fn::Not":
                return not self._condition_value(argument[0])
            if function == "Fn::Or":
                return any(self._condition_value(item) for item in argument)
            if function == "Fn::And":
                return all(self._condition_value(item) for item in argument)
        raise ValueError(f"unsupported condition {value!r}")

    # Resources

    def exists(self, logical_id):
        resource = self.template["Resources"][logical_id]
        return "Condition" not in resource or self.condition(resource["Condition"])

    def properties(self, logical_id):
        if not self.exists(logical_id):
            raise KeyError(f"{logical_id} is not created with these parameters")
        return self.resolve(self.template["Resources"][logical_id].get("Properties", {}))

    def attribute(self, logical_id, attribute):
        """Ref (attribute None) or Fn::GetAtt of a resource, as AWS forms them."""
        resource = self.template["Resources"][logical_id]
        kind = resource["Type"]
        properties = self.properties(logical_id)
        p, r, a = self.partition, self.region, self.account
        if kind == "AWS::SQS::Queue":
            name = properties["QueueName"]
            return {
                None: f"https://sqs.{r}.amazonaws.com/{a}/{name}",
                "Arn": f"arn:{p}:sqs:{r}:{a}:{name}",
                "QueueName": name,
            }[attribute]
        if kind == "AWS::Events::Rule":
            return {None: properties["Name"], "Arn": f"arn:{p}:events:{r}:{a}:rule/{properties['Name']}"}[attribute]
        if kind == "AWS::IAM::ManagedPolicy":
            return {None: f"arn:{p}:iam::{a}:policy/{properties['ManagedPolicyName']}"}[attribute]
        if kind == "AWS::IAM::Role":
            return {None: properties["RoleName"], "Arn": f"arn:{p}:iam::{a}:role/{properties['RoleName']}"}[attribute]
        raise ValueError(f"no attribute {attribute} for {kind}")

    def outputs(self):
        rendered = {}
        for name, output in self.template.get("Outputs", {}).items():
            if "Condition" in output and not self.condition(output["Condition"]):
                continue
            rendered[name] = self.resolve(output["Value"])
        return rendered

    # Intrinsic functions

    def resolve(self, value):
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref":
                return self._ref(argument)
            if key == "Fn::GetAtt":
                logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
                return self.attribute(logical_id, attribute)
            if key == "Fn::If":
                name, when_true, when_false = argument
                return self.resolve(when_true if self.condition(name) else when_false)
            if key == "Fn::Sub":
                return self._sub(argument)
            if key == "Fn::Join":
                separator, items = argument
                return separator.join(self.resolve(items))
            if key == "Fn::Split":
                separator, text = argument
                return self.resolve(text).split(separator)
            if key == "Fn::Select":
                index, items = argument
                return self.resolve(items)[int(self.resolve(index))]
            if key.startswith("Fn::"):
                raise ValueError(f"unsupported function {key}")
        rendered = {}
        for key, item in value.items():
            item = self.resolve(item)
            if item is not NO_VALUE:
                rendered[key] = item
        return rendered

    def _ref(self, name):
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.attribute(name, None)

    def _sub(self, argument):
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        variables = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match):
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and name.split(".", 1)[0] in self.template["Resources"]:
                logical_id, attribute = name.split(".", 1)
                return str(self.attribute(logical_id, attribute))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    # What the tests compare

    def managed_policy(self):
        return self.properties("ControllerPolicy")["PolicyDocument"]

    def queue_policy(self):
        return self.properties("QueuePolicy")["PolicyDocument"]

    def rules(self):
        """Each rule's name, description, state, event pattern and targets, by name."""
        rules = {}
        for logical_id, resource in self.template["Resources"].items():
            if resource["Type"] == "AWS::Events::Rule" and self.exists(logical_id):
                properties = self.properties(logical_id)
                rules[properties["Name"]] = properties
        return rules

    def trust_policy(self, logical_id):
        document = self.properties(logical_id)["AssumeRolePolicyDocument"]
        return json.loads(document) if isinstance(document, str) else document


def policy_actions(document):
    """Every action of every Allow statement, in order."""
    actions = []
    for statement in document["Statement"]:
        if statement["Effect"] == "Allow":
            listed = statement["Action"]
            actions.extend([listed] if isinstance(listed, str) else listed)
    return actions


def without_action(document, action):
    """The policy with one action removed (a statement left without actions is dropped)."""
    statements = []
    for statement in document["Statement"]:
        listed = statement["Action"]
        listed = [listed] if isinstance(listed, str) else list(listed)
        remaining = [item for item in listed if item != action]
        if remaining:
            statements.append(dict(statement, Action=remaining if len(remaining) > 1 else remaining[0]))
    return dict(document, Statement=statements)
