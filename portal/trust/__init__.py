"""Trust: each advocate's stored trust score with its reasons, the settings of the rules that
use it, and the rules' decisions (computed from the history by `portal.trust_scoring`)."""
