import os
from unittest import mock

from django.core.checks import Error
from django.test import SimpleTestCase, override_settings

from ravao.checks import check_secret_key, check_site_url
from ravao.env import ConfigError, env_bool, env_int, env_list, env_str
from ravao.people.status import StatusFacts, colour_for, load_rules


class EnvHelperTests(SimpleTestCase):
    def test_typed_helpers_fail_loudly(self):
        with mock.patch.dict(os.environ, {"X_INT": "28d", "X_BOOL": "maybe", "X_MIN": "0"}):
            with self.assertRaisesMessage(ConfigError, "X_INT must be an integer"):
                env_int("X_INT", 1)
            with self.assertRaisesMessage(ConfigError, "X_BOOL must be a boolean"):
                env_bool("X_BOOL", False)
            with self.assertRaisesMessage(ConfigError, "X_MIN must be at least 1"):
                env_int("X_MIN", 5, minimum=1)
        with self.assertRaisesMessage(ConfigError, "X_MISSING must be set"):
            env_str("X_MISSING")

    def test_defaults_and_values(self):
        with mock.patch.dict(os.environ, {"X_LIST": " a, b ,,c", "X_BOOL": "Yes"}):
            self.assertEqual(env_list("X_LIST", []), ["a", "b", "c"])
            self.assertTrue(env_bool("X_BOOL", False))
            self.assertEqual(env_int("X_UNSET", 7), 7)


class SystemCheckTests(SimpleTestCase):
    @override_settings(DEBUG=False, SECRET_KEY="insecure-dev-key-do-not-use-in-production")
    def test_default_secret_key_is_refused_without_debug(self):
        errors = check_secret_key(None)
        self.assertEqual([e.id for e in errors], ["ravao.E001"])
        self.assertIsInstance(errors[0], Error)

    @override_settings(DEBUG=False, SECRET_KEY="a-real-long-random-secret-key-value-for-production-use")
    def test_real_secret_key_passes(self):
        self.assertEqual(check_secret_key(None), [])

    @override_settings(SITE_URL="ravao.example")
    def test_site_url_needs_a_scheme(self):
        self.assertEqual([e.id for e in check_site_url(None)], ["ravao.E002"])


class StatusRuleTests(SimpleTestCase):
    def test_default_rules(self):
        self.assertEqual(colour_for(StatusFacts(fresh_declaration=True)), "green")
        self.assertEqual(colour_for(StatusFacts(fresh_declaration=True, any_symptom=True)), "yellow")
        self.assertEqual(colour_for(StatusFacts(case_confirmed=True, fresh_declaration=True)), "red")
        self.assertEqual(colour_for(StatusFacts()), "grey")

    def test_rules_are_data(self):
        with override_settings(RAVAO_STATUS_RULES='[["red", "any_symptom"], ["green", "fresh_declaration"]]'):
            rules = load_rules()
            # Without an explicit table, colour_for uses the deployment's (from settings, cached by value).
            self.assertEqual(colour_for(StatusFacts(any_symptom=True, fresh_declaration=True)), "red")
        self.assertEqual(colour_for(StatusFacts(any_symptom=True, fresh_declaration=True), rules), "red")
        self.assertEqual(colour_for(StatusFacts(any_symptom=True, fresh_declaration=True)), "yellow")
        with (
            override_settings(RAVAO_STATUS_RULES='[["purple", "any_symptom"]]'),
            self.assertRaises(ConfigError),
        ):
            load_rules()
