"""Run every benchmark: python -m bench (several minutes; each module also runs alone)."""

from bench import (
    duplicates,
    export_zip,
    jury_results,
    jury_round_db,
    pages,
    photo_derivatives,
    transcode,
    upload,
)

if __name__ == "__main__":
    for module in (pages, photo_derivatives, transcode, upload, export_zip, duplicates, jury_results, jury_round_db):
        print(f"\n== {module.__name__} ==")
        module.main()
