/**
 * Client libraries, loaded when first used. Every plugin's options are part of the stack file's
 * schema, so importing its client at the top would load every client for every command: about a third
 * of a second of each CLI start. A command that never talks to Redis no longer pays for loading it.
 */
export const loadSqlite = async () => (await import('better-sqlite3')).default;
export const loadPg = async () => (await import('pg')).default;
export const loadMysql = async () => (await import('mysql2/promise')).default;
export const loadRedis = async () => (await import('ioredis')).Redis;
export const loadDocker = async () => (await import('dockerode')).default;
export const loadNodemailer = async () => (await import('nodemailer')).default;
