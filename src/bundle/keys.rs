//! ed25519 keys for signing bundles: a private key file (base64 seed, mode 0600) and its
//! `.pub` beside it (base64 public key), which the receiving side trusts.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

use super::Signature;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn invalid(path: &Path, message: impl Into<String>) -> super::BundleError {
    super::BundleError::Invalid {
        path: path.display().to_string(),
        message: message.into(),
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> super::BundleError + '_ {
    move |error| super::BundleError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// Write a new key pair: `path` (private, 0600, never overwritten) and `path.pub`.
pub fn generate(path: &Path) -> Result<PathBuf, super::BundleError> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut seed))
        .map_err(io(Path::new("/dev/urandom")))?;
    let key = SigningKey::from_bytes(&seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(io(path))?;
    writeln!(f, "{}", B64.encode(seed)).map_err(io(path))?;
    let public = public_path(path);
    std::fs::write(
        &public,
        format!("{}\n", B64.encode(key.verifying_key().as_bytes())),
    )
    .map_err(io(&public))?;
    Ok(public)
}

pub fn public_path(private: &Path) -> PathBuf {
    let mut p = private.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

fn read_b64<const N: usize>(path: &Path, what: &str) -> Result<[u8; N], super::BundleError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    let bytes = B64
        .decode(text.trim())
        .map_err(|_| invalid(path, format!("not a {what} (base64 expected)")))?;
    bytes
        .try_into()
        .map_err(|_| invalid(path, format!("not a {what} ({N} bytes expected)")))
}

pub fn load_signing(path: &Path) -> Result<SigningKey, super::BundleError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map_err(io(path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(invalid(
                path,
                format!(
                    "others can read this private key (mode {:o}); chmod 600 it",
                    mode & 0o777
                ),
            ));
        }
    }
    Ok(SigningKey::from_bytes(&read_b64::<32>(
        path,
        "private key",
    )?))
}

pub fn load_verifying(path: &Path) -> Result<VerifyingKey, super::BundleError> {
    VerifyingKey::from_bytes(&read_b64::<32>(path, "public key")?)
        .map_err(|_| invalid(path, "not an ed25519 public key"))
}

pub fn sign(key: &SigningKey, manifest: &[u8]) -> Signature {
    Signature {
        algorithm: "ed25519".into(),
        public_key: B64.encode(key.verifying_key().as_bytes()),
        signature: B64.encode(key.sign(manifest).to_bytes()),
    }
}

/// The key that made `sig`, if the signature over `manifest` is good.
pub fn verify(sig: &Signature, manifest: &[u8]) -> Result<VerifyingKey, String> {
    if sig.algorithm != "ed25519" {
        return Err(format!("unknown signature algorithm {:?}", sig.algorithm));
    }
    let pk: [u8; 32] = B64
        .decode(&sig.public_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature's public key is malformed")?;
    let key = VerifyingKey::from_bytes(&pk).map_err(|_| "the signature's public key is invalid")?;
    let s: [u8; 64] = B64
        .decode(&sig.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the signature is malformed")?;
    key.verify(manifest, &ed25519_dalek::Signature::from_bytes(&s))
        .map_err(|_| "the signature does not match the manifest: the bundle was altered")?;
    Ok(key)
}

/// A short fingerprint to show a key by.
pub fn fingerprint(key: &VerifyingKey) -> String {
    use sha2::Digest;
    super::hex(&sha2::Sha256::digest(key.as_bytes())[..8])
}
