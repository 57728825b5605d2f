"""KMZB domain logic: plain functions and values, with AWS at the edges."""
