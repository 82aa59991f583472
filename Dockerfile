FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 HOST=0.0.0.0 PORT=8000
WORKDIR /app

COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
RUN DEBUG=true SECRET_KEY=collectstatic python manage.py collectstatic --noinput \
    && useradd --create-home --uid 1000 triage && mkdir -p var && chown -R triage /app/var
USER triage

EXPOSE 8000
CMD ["gunicorn", "config.wsgi"]
