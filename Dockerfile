FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The dossier PDF embeds a Japanese TrueType font (sanctions/pdf.py).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-ipafont-gothic \
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN useradd --system --home /app desk && chown -R desk /app
USER desk
EXPOSE 8000
CMD ["gunicorn", "abusedesk.wsgi:application", "--config", "gunicorn.conf.py"]
