# dangan: the service image. Node 24 runs the TypeScript sources directly (type stripping), so
# the image is the sources plus production dependencies; no build step.
#   docker build -t dangan .
#   docker run -p 8080:8080 -v dangan-data:/var/lib/dangan dangan
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev leaves out the test tools and the `node` package (the image has Node 24 itself)
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production \
    DANGAN_DATA=/var/lib/dangan \
    DANGAN_PORT=8080
WORKDIR /app
RUN groupadd --system dangan && useradd --system --gid dangan --home-dir /var/lib/dangan dangan \
 && mkdir -p /var/lib/dangan /var/lib/dangan-backup && chown dangan:dangan /var/lib/dangan /var/lib/dangan-backup
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY drizzle ./drizzle
COPY schemas ./schemas
COPY packages-samples/valid.zip ./packages-samples/valid.zip
USER dangan
VOLUME ["/var/lib/dangan"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.DANGAN_PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "bin/dangan.js"]
CMD ["serve"]
