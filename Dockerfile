# One gateway instance. docker-compose.yml runs two of these behind one Redis.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY policy_core policy_core
COPY gateway gateway
COPY channels channels
COPY config config
# Editable, so that the code stays in /app beside config/ (profiles, templates, word lists),
# which it finds next to its own package folders.
RUN pip install --no-cache-dir -e . && useradd --system --home /var/lib/contact-gateway gateway \
    && mkdir -p /var/lib/contact-gateway /var/spool/contact-gateway \
    && chown gateway /var/lib/contact-gateway /var/spool/contact-gateway
USER gateway
EXPOSE 8080 2525
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz')"
CMD ["contact-gateway", "serve", "--config", "/app/config/redis.toml"]
