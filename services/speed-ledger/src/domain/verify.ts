/**
 * A signed command with what its signature proves: the recovered signer (null: no valid
 * signature), the party that must sign and the digest of its canonical form. Recovery is
 * @btt/shared's (TronWeb-free, so the consumer's worker threads run the same code); whether that
 * signer may issue the command, and every other rule, is decided in the applying transaction.
 */
export {
  type VerifiedSpeedCommand as VerifiedCommand,
  verifySpeedCommand as verifyCommand,
} from "@btt/shared/events";
