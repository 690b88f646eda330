export { AddressPolicy, checkAddress, type AddressCheck } from './policy.ts';
export {
  checkUrl,
  MAX_URL_LENGTH,
  type RefusalCode,
  type UrlCheck,
  type UrlOptions,
} from './url.ts';
export {
  checkDestination,
  deliver,
  DEFAULT_MAX_RESPONSE_BYTES,
  type DeliveryOutcome,
  type DeliveryRequest,
  type DestinationCheck,
  type DestinationOptions,
  type ResolvedAddress,
  type Resolver,
} from './deliver.ts';
export {
  DEFAULT_TOLERANCE_SECONDS,
  DELIVERY_ID_HEADER,
  generateSecret,
  SIGNATURE_HEADER,
  sign,
  verify,
  type SignInput,
  type VerifyInput,
  type VerifyResult,
} from './signature.ts';
