/** API.md "Signature (fixed)": the Speed command golden vector every implementation must reproduce. */
export const SPEED_SIGNATURE_GOLDEN = {
  privateKey: "4444444444444444444444444444444444444444444444444444444444444444",
  address: "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw",
  command: {
    type: "voucher",
    domain: "btt-speed/v1/devnet",
    id: "0b6a3d0e-6c1f-4a53-9d0c-2f8e1a7b9c44",
    notAfter: "1795555200000",
    channelId: "9f1c2b3a-4d5e-4f60-8a7b-6c5d4e3f2a10",
    payer: "TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw",
    payee: "TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H",
    cumulativeAmount: "2500000",
    cumulativeBytes: "10485760",
    infohash: "c9e15763f722f23e98a29decdfae341b98d53056",
  },
  message:
    '{"channelId":"9f1c2b3a-4d5e-4f60-8a7b-6c5d4e3f2a10","cumulativeAmount":"2500000","cumulativeBytes":"10485760","domain":"btt-speed/v1/devnet","id":"0b6a3d0e-6c1f-4a53-9d0c-2f8e1a7b9c44","infohash":"c9e15763f722f23e98a29decdfae341b98d53056","notAfter":"1795555200000","payee":"TWa5cxQFesyCQUm17usvHrVkKce6rMCV4H","payer":"TLfuw4tRywtxCusvTudbjf7PbcXjfe7qrw","type":"voucher"}',
  signature:
    "0x7b3e7475b64c3252770706b4e1782cdaeab7ca478bec0b29d0124bbaf088c21971d77fcd7a66cbcc0a93717dfc5adcadd4d7b6b68f9e4758cb85b191db741cb21b",
} as const;
