//! `-s`: a sound on each alert. Plays a short tone through the system's audio player when
//! one is installed (`paplay`, `aplay`, `afplay`), else rings the terminal bell. Never an
//! error: sound is a convenience.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Sound {
    wav: Option<PathBuf>,
    player: Option<&'static str>,
}

/// A 0.3 s, 880 Hz tone as a 16-bit mono WAV file (generated: nothing to ship).
fn tone() -> Vec<u8> {
    let rate = 16_000u32;
    let n = rate * 3 / 10;
    let mut data = Vec::with_capacity(n as usize * 2);
    for i in 0..n {
        let t = i as f32 / rate as f32;
        let fade = 1.0 - i as f32 / n as f32;
        let v = (t * 880.0 * std::f32::consts::TAU).sin() * fade * 0.4;
        data.extend_from_slice(&((v * i16::MAX as f32) as i16).to_le_bytes());
    }
    let mut w = Vec::with_capacity(44 + data.len());
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data.len() as u32).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&rate.to_le_bytes());
    w.extend_from_slice(&(rate * 2).to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&(data.len() as u32).to_le_bytes());
    w.extend_from_slice(&data);
    w
}

fn on_path(cmd: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

impl Sound {
    /// Prepares the tone in `dir` (the output folder) if an audio player exists.
    pub fn new(dir: &Path) -> Sound {
        let player = ["paplay", "aplay", "afplay"]
            .into_iter()
            .find(|p| on_path(p));
        let wav = player.and_then(|_| {
            let path = dir.join("alert.wav");
            slips_fs::write_atomic(&path, &tone()).ok().map(|_| path)
        });
        Sound { wav, player }
    }

    /// Plays the tone without waiting for it, or rings the bell.
    pub fn play(&self) {
        if let (Some(player), Some(wav)) = (self.player, &self.wav) {
            let spawned = Command::new(player)
                .arg(wav)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn();
            if spawned.is_ok() {
                return;
            }
        }
        let _ = std::io::stderr().write_all(b"\x07");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_is_a_valid_wav() {
        let w = tone();
        assert_eq!(&w[0..4], b"RIFF");
        assert_eq!(&w[8..16], b"WAVEfmt ");
        let len = u32::from_le_bytes([w[40], w[41], w[42], w[43]]) as usize;
        assert_eq!(len + 44, w.len());
        assert_eq!(len, 16_000 * 3 / 10 * 2);
    }
}
