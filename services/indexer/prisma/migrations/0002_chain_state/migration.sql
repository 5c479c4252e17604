-- The chain follower state and the snapshots (services/indexer/README.md).
-- Written by hand: addresses are base58 text compared bytewise (COLLATE "C"), which for TRON
-- 34-character addresses is the order of the 21 address bytes (API.md "address order"), and the Prisma
-- schema language cannot say COLLATE. (No semicolons or apostrophes in these comments: the migration
-- runner splits statements on them.)

-- Where the replay started: the accounts at `height` (a base-state file, or empty at block 0).
CREATE TABLE "indexer"."base_state" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "height" BIGINT NOT NULL,
    "block_id" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "accounts" BIGINT NOT NULL,
    "loaded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "base_state_pkey" PRIMARY KEY ("id")
);

-- Every ingested solidified block (height at time T, and the parent link the follower checks).
CREATE TABLE "indexer"."blocks" (
    "number" BIGINT NOT NULL,
    "id" TEXT NOT NULL,
    "parent_id" TEXT NOT NULL,
    "timestamp_ms" BIGINT NOT NULL,
    "tx_count" INTEGER NOT NULL,
    CONSTRAINT "blocks_pkey" PRIMARY KEY ("number")
);
CREATE INDEX "blocks_timestamp_ms_idx" ON "indexer"."blocks"("timestamp_ms");

-- The holding components of each account after every block that changed them (and at the base).
-- The state at H is, per address, the row with the greatest height <= H.
CREATE TABLE "indexer"."account_versions" (
    "address" TEXT COLLATE "C" NOT NULL,
    "height" BIGINT NOT NULL,
    "liquid" BIGINT NOT NULL,
    "frozen_v1" BIGINT NOT NULL,
    "frozen_v2" BIGINT NOT NULL,
    "unfreezing" BIGINT NOT NULL,
    CONSTRAINT "account_versions_pkey" PRIMARY KEY ("address", "height")
);
CREATE INDEX "account_versions_height_idx" ON "indexer"."account_versions"("height");

-- Solidified TRC-10 transfers to the watched (custody) address, published on chain.deposits.
CREATE TABLE "indexer"."deposits" (
    "tx_id" TEXT NOT NULL,
    "block_number" BIGINT NOT NULL,
    "block_time" TIMESTAMPTZ(3) NOT NULL,
    "from_address" TEXT NOT NULL,
    "to_address" TEXT NOT NULL,
    "token_id" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "memo" TEXT,
    CONSTRAINT "deposits_pkey" PRIMARY KEY ("tx_id")
);
CREATE INDEX "deposits_from_address_idx" ON "indexer"."deposits"("from_address");

-- One snapshot per height (requesting a height twice is the same snapshot).
CREATE TABLE "indexer"."snapshots" (
    "height" BIGINT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "requested_for" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "completed_at" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "block_id" TEXT,
    "block_time" TIMESTAMPTZ(3),
    "holders" BIGINT,
    "liquid" BIGINT,
    "frozen_v1" BIGINT,
    "frozen_v2" BIGINT,
    "unfreezing" BIGINT,
    "total" BIGINT,
    "content_hash" TEXT,
    "cross_check" JSONB,
    "failure" JSONB,
    CONSTRAINT "snapshots_pkey" PRIMARY KEY ("height"),
    CONSTRAINT "snapshots_status_check" CHECK ("status" IN ('pending', 'running', 'completed', 'failed'))
);

-- Snapshots asked for by time: resolved to the highest block with timestamp <= at.
CREATE TABLE "indexer"."snapshot_time_requests" (
    "at" TIMESTAMPTZ(3) NOT NULL,
    "requested_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "height" BIGINT,
    CONSTRAINT "snapshot_time_requests_pkey" PRIMARY KEY ("at")
);

-- The rows of every snapshot, in address order.
CREATE TABLE "indexer"."snapshot_holdings" (
    "height" BIGINT NOT NULL,
    "address" TEXT COLLATE "C" NOT NULL,
    "liquid" BIGINT NOT NULL,
    "frozen_v1" BIGINT NOT NULL,
    "frozen_v2" BIGINT NOT NULL,
    "unfreezing" BIGINT NOT NULL,
    "total" BIGINT NOT NULL,
    CONSTRAINT "snapshot_holdings_pkey" PRIMARY KEY ("height", "address")
);
