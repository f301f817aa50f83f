"""Quizzes: questions of several types, attempts, grading, and certificates."""
