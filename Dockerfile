FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home /app desk && chown -R desk /app
USER desk
EXPOSE 8000
CMD ["gunicorn", "abusedesk.wsgi:application", "--config", "gunicorn.conf.py"]
