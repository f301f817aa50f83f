"""Courses: catalogue, modules and lessons, enrolment, lesson progress and the manifest importer."""
