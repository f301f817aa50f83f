"""Trainer studio: authoring courses and quizzes, question import/export, course packages,
cohorts, learner progress and item analysis."""
