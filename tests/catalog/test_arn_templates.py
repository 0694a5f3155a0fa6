"""The catalog's ARN template check (parc.catalog.arn_templates): for an ARN field a policy writes without
wildcards, the template's regular expression (``template_regex``) answers exactly what the pattern-pair search
(``patterns_overlap``) answers: generated templates (variables before ``/`` and ``:``, literal ``*``, a last variable
kept from ``/``) against generated texts, and the catalog's own templates, filled in, against their namespaces'.

ARN formats per resource type: https://docs.aws.amazon.com/service-authorization/latest/reference/reference.html
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from parc.catalog import default_catalog
from parc.catalog.arn_templates import (
    compile_policy_arn,
    compile_template,
    literal_text,
    patterns_overlap,
    template_regex,
)
from parc.core.catalog import split_arn

templates = st.lists(st.sampled_from(["${Name}", "${Id}", "/", ":", "*", "a", "b", "-", "key/", "x:"]), max_size=6) \
    .map("".join)
texts = st.text(alphabet="ab/:-*?x", max_size=10)


@settings(max_examples=1500, deadline=None, database=None)
@given(templates, texts, st.booleans())
def test_a_text_fits_a_template_as_the_pattern_search_says(template: str, text: str, keep_slash: bool) -> None:
    compiled = compile_template(template, frozenset("/") if keep_slash else frozenset())
    policy = compile_policy_arn(text)
    literal = literal_text(policy)
    if literal is None:  # a wildcard: only the pattern search answers
        assert "*" in text or "?" in text
        return
    assert literal == text
    assert (template_regex(compiled).fullmatch(literal) is not None) == patterns_overlap(policy, compiled), (
        template, text)


def test_the_catalogs_own_templates_fit_as_the_pattern_search_says() -> None:
    """Every template of some services, filled in several ways (a plain name, one with ``/``, one with ``:``, an
    empty one), against every template of the same namespace, as the catalog compiles them."""
    catalog = default_catalog()
    checked = 0
    for namespace in ("s3", "iam", "sqs", "dynamodb", "lambda", "ec2", "kms", "logs", "sts", "backup"):
        rts = catalog.arn_templates(namespace)
        for source in rts:
            for value in ("name-1", "a/b", "a:b", ""):
                arn = re.sub(r"\$\{[^}]*\}", value, source.arn_template).replace("*", "x")
                fields = split_arn(arn)
                if len(fields) != 6:
                    continue
                policy = compile_policy_arn(fields[5])
                literal = literal_text(policy)
                assert literal is not None
                for rt in rts:
                    tpl = catalog._compiled_template(rt.arn_template)  # the template as the catalog compiles it
                    if tpl is None:
                        continue
                    checked += 1
                    assert (template_regex(tpl[5]).fullmatch(literal) is not None) == patterns_overlap(
                        policy, tpl[5]), (arn, rt.arn_template)
    assert checked > 1000
