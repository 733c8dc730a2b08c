"""The restriction banner an agent sees before speaking to someone: its data (models), how it is
gathered from the store and the policy core (load), and the same data in an agent's words
(wording), which the pages and `GET /api/v1/banner` all show."""
