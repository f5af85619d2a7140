FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends libmagic1 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Exactly the locked versions (the portal and the S3 extra), before the code: a code change keeps
# this layer.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
# --max-requests + jitter: each gunicorn worker is replaced after ~1 000 requests, so the memory a
# 10 000-line import took is given back; the jitter keeps the workers from restarting together.
CMD ["gunicorn", "segur_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", \
     "--max-requests", "1000", "--max-requests-jitter", "100"]
