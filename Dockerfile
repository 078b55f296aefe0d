# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=facegallery.settings

WORKDIR /app
COPY requirements.txt ./
# torch==2.13.0 from the CPU index: the default index would pull the CUDA build (GBs).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -r requirements.txt

COPY . .
RUN useradd --system --uid 10001 --home /app facegallery \
    && mkdir -p /app/var /app/staticfiles \
    && SECRET_KEY=build-only DATABASE_URL=postgresql://build@localhost/build \
       REDIS_URL=redis://localhost:6379/0 python manage.py collectstatic --no-input -v 0 \
    && chown -R facegallery /app/var /app/models /app/staticfiles
USER facegallery

EXPOSE 8000
# gthread workers, threads and keep-alive: gunicorn.conf.py
CMD ["gunicorn", "facegallery.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
